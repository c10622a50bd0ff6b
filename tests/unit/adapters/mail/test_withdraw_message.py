"""``mail:WithdrawMail`` → the short e-mail telling an offline department's handler that the work order they hold
no longer needs their answer: the hook kept (threaded with the dispatch), no reference (no answer expected)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from lxml import etree

from adapters.mail.client import MailClient
from adapters.mail.handlers import withdraw_mail
from adapters.mail.mapping import withdraw_message
from hub.config.mail import MailSettings
from hub.envelope import Envelope
from hub.security.mail_tokens import dispatch_token, read_hook, read_reference
from hub.validation.command_sets import CommandSetRegistry
from hub.workflow.changes import MAIL_WITHDRAW, FollowUp
from hub.workflow.mail_withdrawal import mail_withdrawal

pytestmark = pytest.mark.unit

KEY = b"a-test-key-of-enough-bytes"
MAILBOX = "billing-desk@example.com"
WORK_ORDER = "WO20261123ABCD1234"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _document() -> etree._Element:
    follow_up = FollowUp(MAIL_WITHDRAW, {"id": WORK_ORDER}, {
        "department": "BILLING", "mailbox": MAILBOX, "dispatch": 2, "reason": f"work order {WORK_ORDER} cancelled"})
    document = mail_withdrawal(follow_up, NOW)
    assert CommandSetRegistry.installed().get("mail").lxml_schema.validate(document)
    return document


def test_the_subject_keeps_the_hook_without_a_reference() -> None:
    message = withdraw_message(_document(), sender="hub@example.com", key=KEY)
    subject = str(message["Subject"])
    assert subject == f"[WO#{WORK_ORDER}] no longer needed: work order {WORK_ORDER} cancelled"
    assert read_hook(f"Re: {subject}") == WORK_ORDER and read_reference(subject) is None
    token = dispatch_token(KEY, WORK_ORDER, 2, "BILLING", MAILBOX)
    assert str(message["In-Reply-To"]) == f"<{WORK_ORDER}.2.{token}@example.com>"  # the dispatch's own mail
    assert str(message["Message-ID"]) == f"<{WORK_ORDER}.2.withdrawn@example.com>"
    assert (str(message["From"]), str(message["To"])) == ("hub@example.com", MAILBOX)
    assert (str(message["Auto-Submitted"]), str(message["X-Auto-Response-Suppress"])) == \
        ("auto-generated", "OOF, AutoReply")  # no out-of-office notice answers it
    raw = message.as_bytes()
    body = email.message_from_bytes(raw, policy=email.policy.default).get_body().get_content()  # type: ignore[union-attr]
    assert "no longer needs your answer" in body and "cancelled" in body


class _Outbox(MailClient):
    def __init__(self) -> None:
        super().__init__(MailSettings())
        self.sent: list[tuple[str, EmailMessage]] = []

    def send(self, message: EmailMessage, operation: str = "DispatchMail") -> None:
        self.sent.append((operation, message))


def test_the_handler_sends_it_and_names_the_mailbox_masked() -> None:
    outbox = _Outbox()
    envelope = Envelope("hub-withdraw-1", "mail.WithdrawMail", "HUB", etree.tostring(_document()))
    outcome = withdraw_mail(envelope, outbox, MailSettings(sender="hub@example.com", token_key=KEY))
    [(operation, sent)] = outbox.sent
    assert operation == "WithdrawMail" and str(sent["To"]) == MAILBOX  # a failure would name WithdrawMail
    assert WORK_ORDER in outcome and MAILBOX not in outcome
