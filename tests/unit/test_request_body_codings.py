"""A request body compressed by its client (``Content-Encoding: gzip`` from Axis2, CXF, .NET) is decoded before
the parser sees it, within the size cap (a zip bomb is refused as too large), and any other coding is refused
naming it, never blamed on the XML (interop audit, defect 3)."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import Sequence
from typing import Any

import pytest
from starlette.requests import Request

from hub.ingress.body import MOST_CODINGS, MOST_GZIP_MEMBERS, UnsupportedContentEncoding, read_capped_body
from hub.validation.violations import DocumentRefused, RefusalKind

pytestmark = pytest.mark.unit

DOCUMENT = b'<?xml version="1.0" encoding="UTF-8"?>\n<wo:QueryWorkOrder xmlns:wo="urn:onepoint:workorder:1"/>'


def read(body: bytes, codings: Sequence[str] = (), *, max_bytes: int = 1_048_576, chunk: int = 1000,
         disconnect: bool = False) -> bytes:
    """``read_capped_body`` of a request carrying ``body`` in chunks, with a Content-Encoding header per coding."""
    headers = [(b"content-encoding", coding.encode()) for coding in codings]
    pieces = [body[i:i + chunk] for i in range(0, len(body), chunk)] or [b""]
    messages: list[dict[str, Any]] = [{"type": "http.request", "body": piece, "more_body": True}
                                      for piece in pieces]
    if disconnect:
        messages.append({"type": "http.disconnect"})
    else:
        messages[-1]["more_body"] = False

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    request = Request({"type": "http", "method": "POST", "headers": headers, "path": "/xml/workorder"}, receive)
    return asyncio.run(read_capped_body(request, max_bytes))


def refusal(body: bytes, codings: Sequence[str] = (), **options: Any) -> DocumentRefused:
    with pytest.raises(DocumentRefused) as refused:
        read(body, codings, **options)
    return refused.value


@pytest.mark.parametrize(("codings", "encoded"), [
    (["gzip"], gzip.compress(DOCUMENT, mtime=0)),
    (["x-gzip"], gzip.compress(DOCUMENT, mtime=0)),
    (["GZIP"], gzip.compress(DOCUMENT, mtime=0)),
    (["deflate"], zlib.compress(DOCUMENT)),  # RFC 9110's deflate: the zlib format
    (["deflate"], zlib.compress(DOCUMENT, wbits=-zlib.MAX_WBITS)),  # raw, as .NET's DeflateStream writes it
    (["identity"], DOCUMENT),
    (["gzip, identity"], gzip.compress(DOCUMENT, mtime=0)),
    (["deflate", "gzip"], gzip.compress(zlib.compress(DOCUMENT), mtime=0)),  # two codings: the last one undone first
    (["gzip"], gzip.compress(DOCUMENT[:40], mtime=0) + gzip.compress(DOCUMENT[40:], mtime=0)),  # a gzip of two members
])
def test_a_compressed_body_is_decoded(codings: list[str], encoded: bytes) -> None:
    assert read(encoded, codings, chunk=7) == DOCUMENT


def test_an_empty_compressed_body_stays_empty() -> None:
    assert read(b"", ["gzip"]) == b""  # the parser says "the body is empty"


def test_a_zip_bomb_is_refused_as_too_large_without_being_inflated() -> None:
    bomb = gzip.compress(b"<a>" + b" " * 50_000_000 + b"</a>", mtime=0)
    assert len(bomb) < 100_000
    refused = refusal(bomb, ["gzip"], max_bytes=1_048_576)
    assert refused.kind is RefusalKind.TOO_LARGE
    assert refused.violations[0].reason == "the body decompressed (gzip) is over the limit of 1048576 bytes"


def test_a_compressed_body_over_the_cap_as_received_is_refused_too() -> None:
    assert refusal(b"\x1f\x8b" + bytes(2000), ["gzip"], max_bytes=1000).kind is RefusalKind.TOO_LARGE


def test_a_coding_the_hub_cannot_decode_is_refused_naming_it() -> None:
    refused = refusal(b"compressed by brotli", ["br"])
    assert isinstance(refused, UnsupportedContentEncoding) and refused.coding == "br"
    assert refused.violations[0].reason == ("the body's Content-Encoding 'br' is not supported: send it "
                                            "uncompressed or compressed with gzip or deflate")


@pytest.mark.parametrize(("codings", "body", "reason"), [
    (["gzip"], DOCUMENT, "the body is not gzip data, as its Content-Encoding says"),
    (["deflate"], DOCUMENT, "the body is not deflate data, as its Content-Encoding says"),
    (["gzip"], gzip.compress(DOCUMENT, mtime=0)[:-12], "the gzip body is truncated"),
    (["deflate"], zlib.compress(DOCUMENT) + b"<more/>", "the deflate body has data after its end"),
])
def test_a_body_that_is_not_of_its_coding_says_so(codings: list[str], body: bytes, reason: str) -> None:
    refused = refusal(body, codings)
    assert refused.kind is RefusalKind.MALFORMED
    assert refused.violations[0].reason.startswith(reason)


def test_a_client_gone_before_its_body_is_whole_is_a_refusal_not_an_error() -> None:
    refused = refusal(DOCUMENT[:50], disconnect=True)
    assert refused.kind is RefusalKind.MALFORMED
    assert refused.violations[0].reason == ("the body ended after 50 bytes: the client closed the connection, or "
                                            "did not send the whole body in time")


def test_a_gzip_body_of_many_members_is_refused_before_they_are_inflated() -> None:
    member = gzip.compress(b"", mtime=0)
    assert read(gzip.compress(DOCUMENT, mtime=0) + member * (MOST_GZIP_MEMBERS - 1), ["gzip"]) == DOCUMENT
    refused = refusal(member * 50_000, ["gzip"])  # ~1 MiB of empty members: a fresh inflater each, on the loop
    assert refused.kind is RefusalKind.MALFORMED
    assert refused.violations[0].reason == (f"the gzip body has more than {MOST_GZIP_MEMBERS} members: compress "
                                            "the document as one gzip stream")


def test_more_stacked_codings_than_the_hub_undoes_are_refused_before_any_is_inflated() -> None:
    twice = gzip.compress(gzip.compress(DOCUMENT, mtime=0), mtime=0)
    assert read(twice, ["gzip, gzip"]) == DOCUMENT
    many = ["gzip"] * (MOST_CODINGS + 1)
    with pytest.raises(UnsupportedContentEncoding) as refused:
        read(b"not even gzip: refused before it is read", [", ".join(many)])
    assert refused.value.violations[0].reason == (
        f"the body's Content-Encoding stacks {MOST_CODINGS + 1} codings, more than the {MOST_CODINGS} the hub "
        "undoes: compress the document once, with gzip or deflate")
    with pytest.raises(UnsupportedContentEncoding):  # however the header is split
        read(b"", ["gzip", "gzip", "deflate"])
