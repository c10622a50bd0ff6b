"""How ``onepoint dlq show`` prints a dead letter's body: decoded by the encoding the document says it is in,
phone numbers (mobile and fixed-line: `hub.cli.dlq_masking`) masked unless asked otherwise, and a body that cannot be
decoded never printed raw when masked.

The XML ingress keeps a command document as it was received (UTF-16, GBK... with its declaration), so the body's
encoding comes from its byte-order mark, else its XML declaration, else UTF-8 (XML 1.0, Appendix F). A declared
label is read as the ingress reads it (``hub.validation.encodings.codec_for``): every GBK label (``windows-936``,
``csGB2312``, ``GBK``...) as GB18030, UCS-2 as UTF-16, so a body the ingress accepted and sent on as received is
decoded here too, although Python's codecs know some of those labels by no name or another encoding. Masking
searches the decoded text: a UTF-16 number's digits are interleaved with NULs in the bytes and would be missed.
"""

from __future__ import annotations

import re

from hub.cli.dlq_masking import masked_text

__all__ = ["body_encoding", "decode_body", "shown_body"]

_SIGNATURES = (  # (first bytes, codec): byte-order marks first (UTF-32 before UTF-16), then a bare "<"
    (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xfe\xff", "utf-16"), (b"\xff\xfe", "utf-16"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"),
)
_DECLARED = re.compile(rb"\s*<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._-]*)[\"']")


def body_encoding(body: bytes) -> str:
    """The encoding the body says it is in: its byte-order mark, else its XML declaration, else UTF-8."""
    for signature, codec in _SIGNATURES:
        if body.startswith(signature):
            return codec
    declared = _DECLARED.match(body[:400])
    return "utf-8" if declared is None else declared.group(1).decode("ascii")


def decode_body(body: bytes) -> str | None:
    """The body as text, or None when it is not text in the encoding it names (or that encoding is unknown)."""
    from hub.validation.encodings import codec_for  # imported here: hub.validation loads lxml, `onepoint` starts

    label = body_encoding(body)
    codec = label if any(label == known for _, known in _SIGNATURES) else codec_for(label)
    if codec is None:
        return None  # no text encoding the hub knows (as the ingress refuses it)
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def shown_body(body: bytes, unmasked: bool) -> str:
    """The body as printed: masked unless ``unmasked``; undecodable and masked: a note instead of the bytes."""
    text = decode_body(body)
    if unmasked:
        return body.decode("utf-8", errors="replace") if text is None else text
    if text is None:
        return (f"({len(body)} bytes that are not text in the encoding they name ({body_encoding(body)}): not shown,"
                " their phone numbers could not be masked; --unmasked prints them)")
    return masked_text(text)
