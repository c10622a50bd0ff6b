"""An e-mailed answer (``message/rfc822``) read with the stdlib ``email`` package, policy ``compat32``, hardened.

What the hub takes of a mail: its sender (the one address of ``From``), its ``Message-ID``, its subject (encoded
words decoded: ``=?GB2312?B?...?=``), read and capped by ``hub.ingress.mail.headers``, and its answer text, the
first ``text/plain`` part that is not an attachment, else the first ``text/html`` one turned to text
(``hub.ingress.mail.html_text``); attachments, any part inside one and any attached mail (``message/*``, such as the
dispatch mail forwarded as an attachment) are left out, as is any other part. A part's bytes are decoded by its
charset, GB2312 and GBK read as GB18030 (their superset, as a Chinese mail client means them), bytes its charset
cannot hold replaced (U+FFFD), a charset Python does not know refused; ``text_bytes`` is how many bytes the part
carried (transfer-decoded, in its own charset), what the inbox caps an answer's text by. The caller caps the size
before this reads anything (``[mail] max_answer_bytes``, else ``[limits]``); a mail of more than ``MAX_PARTS``
parts is refused, as is one whose headers cannot be read, and an automatic reply (an out-of-office notice:
``hub.ingress.mail.automatic``, 422 ``auto-reply``). Every refusal is a ``MailRefused`` naming what is wrong,
with its HTTP status and code.
"""

from __future__ import annotations

import codecs
import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from hub.ingress.mail.automatic import check_written_by_a_person
from hub.ingress.mail.headers import check_header_block, check_single_fields, message_id_of, sender_of, subject_of
from hub.ingress.mail.html_text import html_to_text
from hub.ingress.mail.refusal import MailRefused

__all__ = ["MAX_PARTS", "InboundMail", "MailRefused", "read_mail"]

MAX_PARTS = 100
_CHINESE = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030",
            "hz-gb-2312": "hz"}


@dataclass(frozen=True, slots=True)
class InboundMail:
    sender: str  # the addr-spec of From
    message_id: str  # as written, angle brackets included
    subject: str
    text: str  # the chosen part's text, whole (the answer is cut from it: hub.ingress.mail.answer_text)
    html: bool  # the text came from a text/html part
    text_bytes: int = 0  # the bytes the mail carried for that part (transfer-decoded, in its charset): its size


def _decoded(part: Message) -> tuple[str, int]:
    """The part's text and the bytes it was carried in (transfer-decoded: base64 and quoted-printable undone)."""
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = (part.get_content_charset() or "utf-8").lower()
    charset = _CHINESE.get(charset, charset)
    try:
        codecs.lookup(charset)
    except LookupError:
        raise MailRefused(415, "unknown-charset", f"a text part is in charset {charset[:40]!r}, which the hub "
                                                  "cannot read (send UTF-8, GB18030, GBK or GB2312)") from None
    return data.decode(charset, errors="replace"), len(data)


def _own_parts(part: Message) -> Iterator[Message]:
    """``part`` and the parts inside it, not descending into an attachment or an attached mail (``message/*``)."""
    yield part
    if part.is_multipart() and part.get_content_maintype() != "message":
        for inner in part.get_payload():
            if isinstance(inner, Message) and inner.get_content_disposition() != "attachment":
                yield from _own_parts(inner)


def _text_part(message: Message) -> tuple[Message, bool]:
    if (count := sum(1 for _ in message.walk())) > MAX_PARTS:
        raise MailRefused(413, "too-many-parts", f"the mail has {count} MIME parts, over {MAX_PARTS}")
    parts = list(_own_parts(message))
    for wanted in ("text/plain", "text/html"):
        for part in parts:
            if part.get_content_type() == wanted and part.get_content_disposition() != "attachment":
                return part, wanted == "text/html"
    raise MailRefused(422, "no-text", "the mail has no text/plain or text/html part to read the answer from")


def read_mail(raw: bytes) -> InboundMail:
    """The parts of ``raw`` the hub takes (see the module); raises ``MailRefused``."""
    check_header_block(raw)
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        check_single_fields(message)
        check_written_by_a_person(message)
        sender = sender_of(message)
        message_id = message_id_of(message)
        subject = subject_of(message)
        part, html = _text_part(message)
        text, text_bytes = _decoded(part)
    except MailRefused:
        raise
    except Exception as exc:  # the email package raises many kinds on hostile headers: each is a malformed mail
        raise MailRefused(400, "malformed-mail", f"the mail cannot be read: {type(exc).__name__}") from None
    if not message_id or len(message_id) > 200:
        raise MailRefused(400, "no-message-id", "the mail needs a Message-ID of at most 200 characters (the hub "
                                                "takes each answer once, by it)")
    return InboundMail(sender, message_id, subject, html_to_text(text) if html else text, html, text_bytes)
