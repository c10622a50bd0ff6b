"""The dispatch mail an offline department's handler gets (adapters.mail.mapping): the hook and the dispatch's
token in the subject, the work order's and the dispatch's fields unmasked in the body, answering instructions,
a Message-ID of the dispatch's own; and the SMTP failures told apart (retry or dead letter)."""

from __future__ import annotations

import email
import email.policy
import smtplib
from datetime import UTC, datetime

import pytest
from lxml import etree

from adapters.mail.client import MailClient
from adapters.mail.mapping import ANSWER_MARK, dispatch_message
from hub.config.mail import MailSettings
from hub.gateways.failures import SystemRefused, SystemUnavailable
from hub.security.mail_tokens import dispatch_token, read_hook, read_reference, token_matches
from hub.validation.command_sets import CommandSetRegistry
from hub.workflow.changes import FollowUp
from hub.workflow.mail_dispatch import mail_dispatch

pytestmark = pytest.mark.unit

KEY = b"a-test-key-of-enough-bytes"
MAILBOX = "billing-desk@example.com"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ROW = {"id": "WO20261123ABCD1234", "priority": 2, "category_code": "05.01.01", "phenomenon": "Voice charges disputed",
       "msisdn": "13800138000", "contact_number": "0755-83765432", "description": "账单上的国际漫游费不对",
       "reply_due": datetime(2026, 11, 24, 2, 0, tzinfo=UTC)}


def _document() -> etree._Element:
    follow_up = FollowUp("mail-dispatch", ROW, {
        "department": "BILLING", "mailbox": MAILBOX, "dispatch": 1, "instructions": "Call the customer first",
        "fields": {"bill_month": "2026-10", "amount": "268.50", "msisdn": "13800138000", "_template": "usage_charges"},
        "template_fields": ["msisdn", "bill_month", "charge_item", "amount"], "added_fields": []})
    document = mail_dispatch(follow_up, NOW)
    assert CommandSetRegistry.installed().get("mail").lxml_schema.validate(document)
    return document


def test_the_subject_carries_the_hook_and_the_dispatchs_token() -> None:
    message = dispatch_message(_document(), sender="hub@example.com", key=KEY)
    subject = str(message["Subject"])
    assert subject.startswith("[WO#WO20261123ABCD1234] Dispatched to BILLING: Voice charges disputed")
    assert read_hook(f"Re: {subject}") == "WO20261123ABCD1234"
    reference = read_reference(f"RE: {subject}")
    assert reference is not None and reference.dispatch == 1
    assert reference.token == dispatch_token(KEY, "WO20261123ABCD1234", 1, "BILLING", MAILBOX)
    assert token_matches(KEY, "WO20261123ABCD1234", reference, "BILLING", MAILBOX.upper())  # no case in addresses
    assert not token_matches(KEY, "WO20261123ABCD1234", reference, "BILLING", "someone@example.com")
    assert not token_matches(KEY, "WO20261123ABCD9999", reference, "BILLING", MAILBOX)
    assert not token_matches(b"another-key-of-enough-bytes", "WO20261123ABCD1234", reference, "BILLING", MAILBOX)
    assert (str(message["From"]), str(message["To"])) == ("hub@example.com", MAILBOX)
    assert str(message["Message-ID"]) == f"<WO20261123ABCD1234.1.{reference.token}@example.com>"


def test_no_out_of_office_responder_answers_it() -> None:
    message = dispatch_message(_document(), sender="hub@example.com", key=KEY)
    assert str(message["Auto-Submitted"]) == "auto-generated"  # RFC 3834
    assert str(message["X-Auto-Response-Suppress"]) == "OOF, AutoReply"  # Exchange, Outlook


def test_the_body_holds_the_work_order_unmasked_and_how_to_answer() -> None:
    raw = dispatch_message(_document(), sender="hub@example.com", key=KEY).as_bytes()
    body = email.message_from_bytes(raw, policy=email.policy.default).get_body().get_content()  # type: ignore[union-attr]
    assert body.splitlines()[0] == ANSWER_MARK
    for shown in ("13800138000", "0755-83765432", "bill_month: 2026-10", "amount: 268.50", "Call the customer first",
                  "账单上的国际漫游费不对", "2026-11-24T02:00:00.000+00:00", MAILBOX):
        assert shown in body, shown
    assert "ABOVE the marker line" in body
    assert "/workorders/" not in body  # a page no reader of the mail may open (its mailbox has no credentials)


class _Refusing(smtplib.SMTP):
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise smtplib.SMTPRecipientsRefused({MAILBOX: (550, b"5.1.1 no such mailbox")})


class _Busy(smtplib.SMTP):
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise smtplib.SMTPResponseException(451, b"4.3.0 greylisted, try later")


def test_a_down_or_busy_server_is_retried_a_refusing_one_dead_letters(monkeypatch: pytest.MonkeyPatch) -> None:
    message = dispatch_message(_document(), sender="hub@example.com", key=KEY)
    closed = MailClient(MailSettings(smtp_port=1, smtp_timeout=1))  # nothing listens on port 1
    with pytest.raises(SystemUnavailable) as down:
        closed.send(message)
    assert MAILBOX not in str(down.value) and "b***@example.com" in str(down.value)
    monkeypatch.setattr(smtplib, "SMTP", _Busy)
    with pytest.raises(SystemUnavailable, match="451"):
        closed.send(message)
    monkeypatch.setattr(smtplib, "SMTP", _Refusing)
    with pytest.raises(SystemRefused, match="550") as refused:
        closed.send(message)
    assert MAILBOX not in str(refused.value)


def test_the_body_lists_the_checks_the_agent_made() -> None:
    """The template's pre-processing checks the agent made (mail:CheckDone, as NSP gets them), so the handler does
    not repeat them."""
    follow_up = FollowUp("mail-dispatch", ROW, {
        "department": "BILLING", "mailbox": MAILBOX, "dispatch": 1, "fields": {"bill_month": "2026-10"},
        "template_fields": ["bill_month"], "added_fields": [],
        "checks_done": ["Bill detail: the charged items", "Roaming charges: the visited network's records"]})
    document = mail_dispatch(follow_up, NOW)
    assert CommandSetRegistry.installed().get("mail").lxml_schema.validate(document)
    body = dispatch_message(document, sender="hub@example.com", key=KEY).get_content()
    assert "Checks already made:\n  - Bill detail: the charged items\n  - Roaming charges: the visited network's " \
           "records" in body
