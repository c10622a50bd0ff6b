"""The header fields the hub takes of an answer mail, read without the stdlib's modern header parser.

The ``email`` package's policy ``default`` parses every header it is asked for with a parser whose cost grows
quadratically with a run of encoded words or comments (a 168 KB Subject of 12,000 encoded words peaks at 1 GB), so
the hub reads the mail under ``compat32`` (headers kept as written) and decodes only what it takes, each capped:
``From`` (one addr-spec), ``Subject`` (encoded words decoded) and ``Message-ID``. Before any of that the header
block itself is capped: a header line over ``MAX_LINE_BYTES`` (RFC 5322's 998) or a block over
``MAX_BLOCK_BYTES`` is refused (413 ``header-too-large``, naming the limit). Each of From, Subject and Message-ID
must occur at most once (400 ``repeated-header``: two From fields are how a forger splits what a mail server checks
from what the hub reads).
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from hub.ingress.mail.refusal import MailRefused

__all__ = ["MAX_BLOCK_BYTES", "MAX_LINE_BYTES", "check_header_block", "check_single_fields", "message_id_of",
           "sender_of", "subject_of"]

MAX_LINE_BYTES = 998  # RFC 5322 2.1.1, without the CRLF
MAX_BLOCK_BYTES = 65536
MAX_FROM_CHARS = 2000
MAX_SUBJECT_CHARS = 4000
_END_OF_HEADERS = re.compile(rb"\r?\n\r?\n")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ONCE = ("From", "Subject", "Message-ID")


def check_header_block(raw: bytes) -> None:
    """Refuse ``raw`` whose header block or one of its lines is over the limits (see the module)."""
    end = _END_OF_HEADERS.search(raw, 0, MAX_BLOCK_BYTES + 4)
    block = raw[:end.start()] if end else raw[:MAX_BLOCK_BYTES + 1]
    if len(block) > MAX_BLOCK_BYTES:
        raise MailRefused(413, "header-too-large", f"the mail's header block is over {MAX_BLOCK_BYTES} bytes")
    if any(len(line.rstrip(b"\r")) > MAX_LINE_BYTES for line in block.split(b"\n")):
        raise MailRefused(413, "header-too-large", f"a header line of the mail is over {MAX_LINE_BYTES} bytes "
                                                   "(RFC 5322)")


def _once(message: Message, name: str) -> str:
    values = [value for key, value in message.raw_items() if key.lower() == name.lower()]
    if len(values) > 1:
        raise MailRefused(400, "repeated-header", f"the mail has {len(values)} {name} header fields, not one")
    value = _FOLD.sub("", values[0]).strip() if values else ""
    # compat32 keeps a header's raw 8-bit bytes as surrogates: read them as UTF-8 (RFC 6532)
    return value.encode("ascii", "surrogateescape").decode("utf-8", "replace")


def check_single_fields(message: Message) -> None:
    """Refuse ``message`` in which From, Subject or Message-ID occurs more than once."""
    for name in _ONCE:
        _once(message, name)


def sender_of(message: Message) -> str:
    """The one addr-spec of ``From``; ``no-sender`` (400) without exactly one."""
    value = _once(message, "From")
    if len(value) > MAX_FROM_CHARS:
        raise MailRefused(413, "header-too-large", f"the mail's From is over {MAX_FROM_CHARS} characters")
    addresses = [spec for _, spec in getaddresses([value]) if spec] if value else []
    if len(addresses) != 1 or "@" not in addresses[0]:
        raise MailRefused(400, "no-sender", "the mail's From must name exactly one address")
    return addresses[0]


def subject_of(message: Message) -> str:
    """``Subject``, encoded words decoded, white space collapsed (empty without one)."""
    value = _once(message, "Subject")
    if len(value) > MAX_SUBJECT_CHARS:
        raise MailRefused(413, "header-too-large", f"the mail's Subject is over {MAX_SUBJECT_CHARS} characters")
    return " ".join(_words_decoded(value).split())


def _words_decoded(value: str) -> str:
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (UnicodeError, LookupError, HeaderParseError):  # a broken encoded word or an unknown charset: as written
        return value


def message_id_of(message: Message) -> str:
    """``Message-ID`` as written, angle brackets included, stripped (empty without one)."""
    return _once(message, "Message-ID").strip()
