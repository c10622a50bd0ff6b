"""An answer fetched from the IMAP inbox with a large attachment (hub/ingress/mail/fetched.py, inbox.py): the whole
mail is capped by ``[mail.inbox] max_mail_bytes`` (default 25 MiB), only the text the answer is read from by the
answer's cap (``[mail] max_answer_bytes``, else ``[limits] max_body_bytes``): a 1.2 MB PDF (a 1.6 MB mail) is taken;
a text part over the answer's cap, or a mail over the inbox's, is refused ``too-large``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from types import MappingProxyType, SimpleNamespace
from typing import Any

import pytest

from hub.config.mail import MailSettings
from hub.config.mail_inbox import DEFAULT_MAX_MAIL_BYTES, parse_inbox
from hub.config.security import CallerConfig
from hub.envelope import Envelope
from hub.ingress.acceptance import Acceptance, AckInfo, Admitted
from hub.ingress.mail.endpoint import MailIngress
from hub.ingress.mail.fetched import Verdict, take_fetched
from hub.ingress.mail.inbox import poll_once
from hub.security.mail_tokens import dispatch_token
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from tests.unit.test_mail_inbox_poller import SETTINGS, FakeImap

pytestmark = pytest.mark.unit

KEY = b"a-test-key-of-enough-bytes"
MAILBOX = "billing-desk@example.com"
WO = "WO20261123ABCD1234"
REGISTRY = CommandSetRegistry.installed()
ANSWER_CAP = 1_048_576  # [limits] max_body_bytes' default


@dataclass
class AnsweringXml:
    """The XML ingress's two steps the mail pipeline calls, answering as the workflow would (its response)."""

    acceptance: Any = None
    sent: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.acceptance = SimpleNamespace(accept=self.accept,
                                          pass_on=Acceptance(None, DocumentValidator(REGISTRY)).pass_on)  # type: ignore[arg-type]

    async def admit(self, body: bytes, name: str, caller: CallerConfig, **_: Any) -> Admitted:
        self.sent.append(body)
        return Admitted(REGISTRY.get("mail"), "AnswerMail", Envelope("mail-1", "mail.AnswerMail", "MAIL", body))

    async def accept(self, envelope: Envelope) -> AckInfo:
        return AckInfo(envelope.message_id, None, "COMPLETED", datetime.now(UTC),
                       b'<mail:AnswerMailResponse xmlns:mail="urn:onepoint:mail:1"/>', reply_validated=True)


def _ingress() -> tuple[MailIngress, AnsweringXml]:
    xml = AnsweringXml()
    settings = MailSettings(token_key=KEY, offline=MappingProxyType({"BILLING": MAILBOX}))
    return MailIngress(xml, settings, ANSWER_CAP), xml  # type: ignore[arg-type]


def _answer(text: str, attachment: bytes) -> bytes:
    token = dispatch_token(KEY, WO, 1, "BILLING", MAILBOX)
    message = EmailMessage()
    message["From"], message["To"] = MAILBOX, "hub@example.com"
    message["Subject"] = f"Re: [WO#{WO}] Dispatched to BILLING [ref 1-{token}]"
    message["Message-ID"] = "<big-answer@example.com>"
    message.set_content(text)
    message.add_attachment(attachment, maintype="application", subtype="pdf", filename="refund.pdf")
    return message.as_bytes()


def _taken(raw: bytes, **cap: int) -> Verdict:
    return asyncio.run(take_fetched(_ingress()[0], CallerConfig(system="MAIL", username="mail"), raw, **cap))


def test_an_answer_with_a_large_attachment_is_taken() -> None:
    raw = _answer("Refunded 268.50, the credit note is attached.\n", b"%PDF-1.4\n" + bytes(1_200_000))
    assert len(raw) > 1_600_000  # base64: over the answer's cap, under the inbox's
    assert _taken(raw) == "taken"
    imap = FakeImap({"1": raw})
    assert poll_once(SETTINGS, lambda mail: _taken(mail), lambda settings: imap,
                     max_bytes=DEFAULT_MAX_MAIL_BYTES).taken == 1
    assert imap.stored == {"1": r"(\Seen)"}


def test_the_text_part_is_still_capped_and_the_whole_mail_by_the_inbox() -> None:
    assert _taken(_answer("x" * (ANSWER_CAP + 1) + "\n", b"%PDF")) == "refused"  # too-large: the text
    assert _taken(_answer("Refunded.\n", bytes(3000)), max_mail_bytes=2000) == "refused"  # too-large: the mail


def test_max_mail_bytes_is_25_mib_unless_set() -> None:
    section = {"imap_host": "127.0.0.1", "username": "u", "password_env": "PATH", "tls": False}
    assert parse_inbox(section, "[mail.inbox]").max_mail_bytes == 25 * 1024 * 1024  # type: ignore[union-attr]
    assert parse_inbox({**section, "max_mail_bytes": 5_000_000}, "x").max_mail_bytes == 5_000_000  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="max_mail_bytes"):
        parse_inbox({**section, "max_mail_bytes": 0}, "x")
