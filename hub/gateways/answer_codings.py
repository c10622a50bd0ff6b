"""A system's answer body decoded of its ``Content-Encoding`` without ever inflating it past the answer cap.

The gateways send no ``Accept-Encoding``, yet a system may compress its answer all the same (RFC 9110 §12.5.3:
no such header means any coding is acceptable). httpx's own decoding (``iter_bytes``) inflates each network read
whole before the caller sees a byte of it: a gzip answer of 759 KiB (under the 1 MiB cap as sent) allocated
141 MiB in one call before the cap refused it (an audit, 2026-12-06). Here the raw bytes, themselves within the
cap, are inflated with ``zlib``'s ``max_length``: at most ``max_bytes`` + 1 bytes of output, then
``AnswerTooLarge``. ``gzip`` (and ``x-gzip``, every member) and ``deflate`` (zlib-wrapped, or raw as .NET's
``DeflateStream`` writes it) are decoded, stacked codings in the reverse order they were applied; any other coding
(``br``, ``zstd``, ``compress``) and data that is not of its coding are ``UndecodableAnswer``, naming it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

__all__ = ["DECODED_CODINGS", "MOST_GZIP_MEMBERS", "AnswerTooLarge", "UndecodableAnswer", "content_codings",
           "decoded_answer"]

_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
DECODED_CODINGS = ("gzip", "x-gzip", "deflate")
MOST_GZIP_MEMBERS = 64  # a gzip writer makes one member, concatenated files a few: more costs an inflater each


class AnswerTooLarge(ValueError):
    """A system's answer is larger than the hub reads (announced by its ``Content-Length``, streamed past the cap,
    or inflated past it): refused before it is read whole."""

    def __init__(self, size: int | None, max_bytes: int, said: str | None = None) -> None:
        said = said or (f"announced as {size} bytes" if size is not None else "streamed past the cap")
        super().__init__(f"the answer is over {max_bytes} bytes ({said}): not read")
        self.max_bytes = max_bytes


class UndecodableAnswer(ValueError):
    """An answer in a ``Content-Encoding`` the hub does not decode, or whose bytes are not of the coding it
    names: not an answer the hub can read (the gateways refuse it as an invalid answer)."""


def content_codings(values: Iterable[str]) -> list[str]:
    """The codings of ``Content-Encoding`` header ``values`` in the order they were applied (``identity``
    dropped); ``UndecodableAnswer`` for the first one the hub does not decode, before any byte is read."""
    codings = [coding.strip().lower() for value in values for coding in value.split(",") if coding.strip()]
    codings = [coding for coding in codings if coding != "identity"]
    for coding in codings:
        if coding not in _WBITS:
            raise UndecodableAnswer(f"the answer's Content-Encoding {coding!r} is not one the hub decodes "
                                    f"({', '.join(DECODED_CODINGS)} or none)")
    return codings


def decoded_answer(data: bytes, codings: list[str], max_bytes: int | None) -> bytes:
    """``data`` decoded of ``codings`` (as ``content_codings`` gives them), the last applied undone first; each
    step inflates at most ``max_bytes`` + 1 bytes (``AnswerTooLarge`` past ``max_bytes``; None: no cap)."""
    for coding in reversed(codings):
        if not data:
            return data  # no body: the parser says so
        data = _decoded(data, coding, max_bytes)
    return data


def _decoded(data: bytes, coding: str, max_bytes: int | None) -> bytes:
    try:
        return _inflate(data, _WBITS[coding], coding, max_bytes)
    except zlib.error as exc:
        if coding == "deflate":  # not zlib-wrapped: raw deflate, as some servers write it
            try:
                return _inflate(data, -zlib.MAX_WBITS, coding, max_bytes)
            except zlib.error:
                pass
        raise UndecodableAnswer(f"the answer is not {coding} data, as its Content-Encoding says: {exc}") from None


_GZIP_MAGIC = b"\x1f\x8b"  # the start of a gzip member


def _inflate(data: bytes, wbits: int, coding: str, max_bytes: int | None) -> bytes:
    out: list[bytes] = []
    size = 0
    for _ in range(MOST_GZIP_MEMBERS):
        inflater = zlib.decompressobj(wbits)
        piece = inflater.decompress(data, 0 if max_bytes is None else max_bytes + 1 - size)
        size += len(piece)
        if max_bytes is not None and (size > max_bytes or inflater.unconsumed_tail):
            raise AnswerTooLarge(None, max_bytes, f"inflated from {coding} past the cap")
        out.append(piece)
        if not inflater.eof:
            raise UndecodableAnswer(f"the {coding} answer is truncated: it ends before its compressed data does")
        data = inflater.unused_data
        if not data:
            return b"".join(out)
        if wbits != _WBITS["gzip"]:  # gzip may hold several members; deflate is one stream
            raise UndecodableAnswer(f"the {coding} answer has data after its end")
        if not data.startswith(_GZIP_MAGIC):  # padding after the last member (NULs, a CRLF): ignored, as httpx,
            return b"".join(out)              # urllib3, curl and browsers ignore it
    raise UndecodableAnswer(f"the {coding} answer has more than {MOST_GZIP_MEMBERS} members")
