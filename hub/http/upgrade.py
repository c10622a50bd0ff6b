"""The head of a request whose upgrade offer the server declines, rewritten without the offer.

Java 11+'s ``HttpClient`` (and Spring's ``RestClient``, Ktor, DBeaver) sends every cleartext request with
``Connection: Upgrade, HTTP2-Settings`` and ``Upgrade: h2c``. llhttp then stops at the end of the headers and
skips the body (MagicStack/httptools#124, open). RFC 9110 §7.8 lets a server ignore the offer, so
`hub.http.protocol` parses such a request again from the head this module writes: the same request line and
headers, without ``Upgrade`` and without the ``upgrade`` token of ``Connection`` (the header dropped if nothing
else is left in it), so the fresh parser reads its body as any request's.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["head_without_upgrade"]


def head_without_upgrade(method: bytes, url: bytes, http_version: str,
                         headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The request head (ending with its blank line) without its upgrade offer; ``headers`` lower-case names."""
    head = [method, b" ", url, b" HTTP/", http_version.encode(), b"\r\n"]
    for name, value in headers:
        if name == b"upgrade":
            continue
        if name == b"connection":
            tokens = [token.strip() for token in value.split(b",")]
            value = b", ".join(token for token in tokens if token and token.lower() != b"upgrade")
            if not value:
                continue
        head += [name, b": ", value, b"\r\n"]
    head.append(b"\r\n")
    return b"".join(head)
