"""An e-mailed answer (``message/rfc822``) read with the stdlib ``email`` package, policy ``default``, hardened.

What the hub takes of a mail: its sender (the one address of ``From``), its ``Message-ID``, its subject (encoded
words decoded: ``=?GB2312?B?...?=``) and its answer text, the first ``text/plain`` part that is not an attachment,
else the first ``text/html`` one turned to text (``hub.ingress.mail.html_text``); attachments and any other part are
left out. A part's bytes are decoded by its charset, GB2312 and GBK read as GB18030 (their superset, as a Chinese
mail client means them), bytes its charset cannot hold replaced (U+FFFD), a charset Python does not know refused.
The caller caps the size before this reads anything (``[mail] max_answer_bytes``, else ``[limits]``); a mail of
more than ``MAX_PARTS`` parts is refused, as is one whose headers cannot be read. Every refusal is a
``MailRefused`` naming what is wrong, with its HTTP status and code.
"""

from __future__ import annotations

import codecs
import email
import email.policy
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage, Message

from hub.ingress.mail.html_text import html_to_text

__all__ = ["MAX_PARTS", "InboundMail", "MailRefused", "read_mail"]

MAX_PARTS = 100
_CHINESE = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030",
            "hz-gb-2312": "hz"}


class MailRefused(Exception):
    """An answer mail the hub does not take: ``status`` and ``code`` of the HTTP refusal, and why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class InboundMail:
    sender: str  # the addr-spec of From
    message_id: str  # as written, angle brackets included
    subject: str
    text: str  # the chosen part's text, whole (the answer is cut from it: hub.ingress.mail.answer_text)
    html: bool  # the text came from a text/html part


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = (part.get_content_charset() or "utf-8").lower()
    charset = _CHINESE.get(charset, charset)
    try:
        codecs.lookup(charset)
    except LookupError:
        raise MailRefused(415, "unknown-charset", f"a text part is in charset {charset[:40]!r}, which the hub "
                                                  "cannot read (send UTF-8, GB18030, GBK or GB2312)") from None
    return data.decode(charset, errors="replace")


def _text_part(message: EmailMessage) -> tuple[Message, bool]:
    parts = list(message.walk())
    if len(parts) > MAX_PARTS:
        raise MailRefused(413, "too-many-parts", f"the mail has {len(parts)} MIME parts, over {MAX_PARTS}")
    for wanted in ("text/plain", "text/html"):
        for part in parts:
            if part.get_content_type() == wanted and part.get_content_disposition() != "attachment":
                return part, wanted == "text/html"
    raise MailRefused(422, "no-text", "the mail has no text/plain or text/html part to read the answer from")


def _sender(message: EmailMessage) -> str:
    header = message["From"]
    addresses: tuple[Address, ...] = tuple(getattr(header, "addresses", ()))
    spec = str(addresses[0].addr_spec) if len(addresses) == 1 else ""
    if "@" not in spec:
        raise MailRefused(400, "no-sender", "the mail's From must name exactly one address")
    return spec


def read_mail(raw: bytes) -> InboundMail:
    """The parts of ``raw`` the hub takes (see the module); raises ``MailRefused``."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        sender = _sender(message)
        message_id = str(message["Message-ID"] or "").strip()
        subject = " ".join(str(message["Subject"] or "").split())
        part, html = _text_part(message)
        text = _decoded(part)
    except MailRefused:
        raise
    except Exception as exc:  # the email package raises many kinds on hostile headers: each is a malformed mail
        raise MailRefused(400, "malformed-mail", f"the mail cannot be read: {type(exc).__name__}") from None
    if not message_id or len(message_id) > 200:
        raise MailRefused(400, "no-message-id", "the mail needs a Message-ID of at most 200 characters (the hub "
                                                "takes each answer once, by it)")
    return InboundMail(sender, message_id, subject, html_to_text(text) if html else text, html)
