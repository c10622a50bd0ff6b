"""Reading a request body, for both ingresses: within the size cap, never holding more than the cap in memory.

A body compressed by its client (``Content-Encoding: gzip`` from Axis2's ``MC_GZIP_REQUEST``, CXF's ``@GZIP``, a
.NET handler; or ``deflate``, zlib-wrapped or raw) is decoded here, so the parser sees the document and not
compressed bytes it would call malformed XML. The cap applies twice: to the bytes received and to the decoded
document, which is never inflated past it (a zip bomb is refused as too large after ``max_bytes`` + 1 bytes of
output). A gzip body of more than ``MOST_GZIP_MEMBERS`` members is refused as malformed: each member costs a
fresh inflater on the event loop, so a megabyte of tiny (or empty) members would hold the loop for most of a second
before any credential is checked, and no client splits a document that way. For the same reason a body of more
than ``MOST_CODINGS`` stacked codings (``gzip, gzip, ...``: each layer is inflated in turn, up to the cap) is
refused before any is undone: a client compresses once. Any other coding (``br``, ``compress``, ...) is refused
naming it; both are 415 (``unsupported-content-encoding``). A client that goes away before its body is whole (or
whose request ``hub.http.protocol`` timed out and answered 408) is a quiet refusal too, not an error of the hub.
"""

from __future__ import annotations

import zlib

from starlette.requests import ClientDisconnect, Request

from hub.validation.violations import DocumentRefused, RefusalKind, Violation

__all__ = ["DECODED_CODINGS", "MOST_CODINGS", "MOST_GZIP_MEMBERS", "UnsupportedContentEncoding", "read_capped_body"]

_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
DECODED_CODINGS = ("gzip", "deflate")  # and x-gzip, gzip's old name; "identity" is no coding at all
MOST_CODINGS = 2  # a client compresses once; a proxy compressing again makes two: more is an attack
MOST_GZIP_MEMBERS = 64  # a client's gzip writer makes one member, concatenated files a few; more is an attack


class UnsupportedContentEncoding(DocumentRefused):
    """A ``Content-Encoding`` the hub cannot decode (RFC 9110 §8.4.1: 415, naming the codings it can)."""

    def __init__(self, coding: str, reason: str | None = None) -> None:
        self.coding = coding
        super().__init__(RefusalKind.MALFORMED, [Violation(None, "/", reason or (
            f"the body's Content-Encoding {coding!r} is not supported: send it uncompressed or compressed with "
            f"{' or '.join(DECODED_CODINGS)}"))])


async def read_capped_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, decoded of its ``Content-Encoding``; `DocumentRefused` (TOO_LARGE) as soon as it is known
    to exceed ``max_bytes``, received or decoded; `UnsupportedContentEncoding` for a coding other than gzip or
    deflate (before anything is read); MALFORMED for data that is not of its coding or a client gone mid-body."""
    codings = _codings(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise DocumentRefused.single(
            RefusalKind.TOO_LARGE, f"the body is {declared} bytes, over the limit of {max_bytes}"
        )
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise DocumentRefused.single(RefusalKind.TOO_LARGE,
                                             f"the body is over the limit of {max_bytes} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise DocumentRefused.single(RefusalKind.MALFORMED, f"the body ended after {size} bytes: the client closed "
                                     "the connection, or did not send the whole body in time") from None
    body = b"".join(chunks)
    for coding in reversed(codings):  # the last coding applied is the first undone
        body = _decoded(body, coding, max_bytes)
    return body


def _codings(request: Request) -> list[str]:
    """The body's content codings in the order they were applied (``identity`` dropped); more than
    ``MOST_CODINGS`` are refused, and so is the first one the hub cannot decode."""
    codings = [coding.strip().lower() for value in request.headers.getlist("content-encoding")
               for coding in value.split(",") if coding.strip()]
    codings = [coding for coding in codings if coding != "identity"]
    if len(codings) > MOST_CODINGS:
        raise UnsupportedContentEncoding(", ".join(codings[:MOST_CODINGS + 1]) + ", ...", (
            f"the body's Content-Encoding stacks {len(codings)} codings, more than the {MOST_CODINGS} the hub "
            f"undoes: compress the document once, with {' or '.join(DECODED_CODINGS)}"))
    for coding in codings:
        if coding not in _WBITS:
            raise UnsupportedContentEncoding(coding)
    return codings


def _decoded(data: bytes, coding: str, max_bytes: int) -> bytes:
    """``data`` decoded of ``coding`` (gzip: every member; deflate: zlib-wrapped, else raw as .NET's
    ``DeflateStream`` writes it), never inflated past ``max_bytes`` + 1 bytes."""
    if not data:
        return data  # no body: the parser says so
    try:
        return _inflate(data, _WBITS[coding], coding, max_bytes)
    except zlib.error as exc:
        if coding == "deflate":
            try:
                return _inflate(data, -zlib.MAX_WBITS, coding, max_bytes)
            except zlib.error:
                pass
        raise DocumentRefused.single(RefusalKind.MALFORMED, f"the body is not {coding} data, as its "
                                     f"Content-Encoding says: {exc}") from None


def _inflate(data: bytes, wbits: int, coding: str, max_bytes: int) -> bytes:
    out: list[bytes] = []
    size = 0
    for _ in range(MOST_GZIP_MEMBERS):
        inflater = zlib.decompressobj(wbits)
        piece = inflater.decompress(data, max_bytes + 1 - size)
        size += len(piece)
        if size > max_bytes or inflater.unconsumed_tail:
            raise DocumentRefused.single(RefusalKind.TOO_LARGE, f"the body decompressed ({coding}) is over the "
                                         f"limit of {max_bytes} bytes")
        out.append(piece)
        if not inflater.eof:
            raise DocumentRefused.single(RefusalKind.MALFORMED, f"the {coding} body is truncated: it ends before "
                                         "its compressed data does")
        data = inflater.unused_data
        if not data:
            return b"".join(out)
        if wbits != _WBITS["gzip"]:  # gzip may hold several members; deflate is one stream
            raise DocumentRefused.single(RefusalKind.MALFORMED, f"the {coding} body has data after its end")
    raise DocumentRefused.single(RefusalKind.MALFORMED, f"the {coding} body has more than {MOST_GZIP_MEMBERS} "
                                 "members: compress the document as one gzip stream")
