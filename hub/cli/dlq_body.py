"""How ``onepoint dlq show`` prints a dead letter's body: decoded by the encoding the document says it is in,
phone numbers masked unless asked otherwise, and a body that cannot be decoded never printed raw when masked.

The XML ingress keeps a command document as it was received (UTF-16, GBK... with its declaration), so the body's
encoding comes from its byte-order mark, else its XML declaration, else UTF-8 (XML 1.0, Appendix F). Masking
searches the decoded text: a UTF-16 number's digits are interleaved with NULs in the bytes and would be missed.
"""

from __future__ import annotations

import re

from hub.observability.logging import mask_msisdn

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
    try:
        return body.decode(body_encoding(body))
    except (UnicodeDecodeError, LookupError):  # LookupError: no such codec, or not a text codec (base64...)
        return None


def shown_body(body: bytes, unmasked: bool) -> str:
    """The body as printed: masked unless ``unmasked``; undecodable and masked: a note instead of the bytes."""
    text = decode_body(body)
    if unmasked:
        return body.decode("utf-8", errors="replace") if text is None else text
    if text is None:
        return (f"({len(body)} bytes that are not text in the encoding they name ({body_encoding(body)}): not shown,"
                " their phone numbers could not be masked; --unmasked prints them)")
    return mask_msisdn(text)
