"""A compressed answer (``Content-Encoding``, never asked for) is inflated within the answer cap, never past it: a
gzip bomb under the cap as sent is refused without allocating what it inflates to; gzip and deflate answers within
the cap read as their documents (XML and SOAP gateways); a coding the hub does not decode is refused naming it."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Iterator

import httpx
import pytest
import respx

from hub.gateways import CircuitBreakers, InvalidAnswer, XmlGateway
from hub.gateways.answer_codings import AnswerTooLarge, UndecodableAnswer, content_codings, decoded_answer
from hub.gateways.deadline import read_answer
from tests.unit.adapters.soap_kit import BASE_URL, example, registry, settings

pytestmark = pytest.mark.unit
DISPATCH = example("nsp/NetworkComplaintDispatch.valid.xml")
ANSWER = example("nsp/responses/NetworkComplaintDispatchResponse.xml")
CAP = 1024 * 1024


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def nsp() -> XmlGateway:
    return XmlGateway(settings("nsp"), registry().get("nsp"), breakers=CircuitBreakers())


class Stream(httpx.SyncByteStream):
    """A body as sent (a streamed response: respx would decode ``content=`` before the hub sees it)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self.data


def encoded(body: bytes, coding: str) -> httpx.Response:
    """A 200 answer carrying ``body`` as sent, labelled ``Content-Encoding: coding``."""
    return httpx.Response(200, headers={"content-encoding": coding, "content-length": str(len(body))},
                          stream=Stream(body))


def bomb(inflated: int) -> bytes:
    """gzip of ``<a>`` and ``inflated`` spaces, compressed a megabyte at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(b"<a>")]
    chunk = b" " * CAP
    parts += [compressor.compress(chunk) for _ in range(inflated // CAP)]
    return b"".join([*parts, compressor.flush()])


def test_a_gzip_bomb_under_the_cap_as_sent_is_refused_without_inflating_it(router: respx.MockRouter) -> None:
    sent = bomb(400 * CAP)
    assert len(sent) < CAP
    router.post(BASE_URL).mock(return_value=encoded(sent, "gzip"))
    with nsp() as gateway:
        tracemalloc.start()
        try:
            with pytest.raises(InvalidAnswer, match="inflated from gzip past the cap"):
                gateway.post("NetworkComplaintDispatch", DISPATCH)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 8 * CAP  # the raw answer, at most the cap inflated, the parser's work: not 400 MiB


@pytest.mark.parametrize(("coding", "encode"), [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as .NET's DeflateStream writes it
    ("identity", lambda data: data),
], ids=["gzip", "x-gzip", "deflate-zlib", "deflate-raw", "identity"])
def test_a_compressed_answer_within_the_cap_reads_as_its_document(router: respx.MockRouter, coding: str,
                                                                  encode: object) -> None:
    router.post(BASE_URL).mock(return_value=encoded(encode(ANSWER), coding))  # type: ignore[operator]
    with nsp() as gateway:
        answer = gateway.post("NetworkComplaintDispatch", DISPATCH)
    assert answer.findtext("{urn:onepoint:nsp:1}NspTicketId") == "NSP20261123000417"


@pytest.mark.parametrize(("coding", "body", "reason"), [
    ("br", b"brotli bytes", "Content-Encoding 'br' is not one the hub decodes"),
    ("gzip", ANSWER, "not gzip data"),
    ("gzip", gzip.compress(ANSWER)[:-12], "truncated"),
], ids=["unknown-coding", "not-gzip", "truncated"])
def test_an_answer_the_hub_cannot_decode_is_invalid_naming_why(router: respx.MockRouter, coding: str, body: bytes,
                                                               reason: str) -> None:
    router.post(BASE_URL).mock(return_value=encoded(body, coding))
    with nsp() as gateway, pytest.raises(InvalidAnswer, match=reason):
        gateway.post("NetworkComplaintDispatch", DISPATCH)


def test_read_answer_decodes_within_the_cap_and_an_error_status_comes_back_empty_when_it_cannot() -> None:
    ok = httpx.Response(200, headers={"content-encoding": "gzip"}, stream=Stream(gzip.compress(b"<x/>" * 100)))
    assert read_answer(ok, 1024) == b"<x/>" * 100
    too_large = httpx.Response(200, headers={"content-encoding": "gzip"}, stream=Stream(gzip.compress(b" " * 2048)))
    with pytest.raises(AnswerTooLarge):
        read_answer(too_large, 1024)
    failed = httpx.Response(500, headers={"content-encoding": "br"}, stream=Stream(b"x"))
    assert read_answer(failed, 1024) == b""


def test_stacked_codings_are_undone_last_first_and_each_bounded() -> None:
    twice = gzip.compress(zlib.compress(b"<x/>"))
    assert decoded_answer(twice, content_codings(["deflate, gzip"]), 64) == b"<x/>"
    assert decoded_answer(gzip.compress(b"a") + gzip.compress(b"b"), ["gzip"], 64) == b"ab"  # two members
    with pytest.raises(UndecodableAnswer, match="compress"):
        content_codings(["identity", "compress"])
    with pytest.raises(AnswerTooLarge):
        decoded_answer(gzip.compress(b" " * 65), ["gzip"], 64)


@pytest.mark.parametrize("padding", [b"\x00" * 16, b"\r\n", b"garbage after the member"])
def test_bytes_after_the_last_gzip_member_that_are_no_member_are_ignored(padding: bytes) -> None:
    """Servers pad a gzip answer (NULs, a CRLF): httpx, urllib3, curl and browsers read it; so does the hub (audit
    of today's code, repro_3)."""
    document = b"<a>padded</a>"
    assert decoded_answer(gzip.compress(document, mtime=0) + padding, ["gzip"], 1_000) == document
