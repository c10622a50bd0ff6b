"""The SOAP gateway's transport: zeep's request sent from the calling thread on one httpx client, the answer
bounded as a whole; the gateway's calls from several worker threads at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import respx

from hub.gateways import SoapGateway, SystemUnavailable
from tests.unit.adapters.soap_kit import BASE_URL, WSDL_URL, echoed, example, registry, settings, soap_answer, wsdl

pytestmark = pytest.mark.unit


class Trickle(httpx.SyncByteStream):
    """An answer that comes one chunk at a time, ``pause`` seconds apart."""

    def __init__(self, body: bytes, pause: float, chunks: int = 6) -> None:
        self.body, self.pause, self.chunks = body, pause, chunks

    def __iter__(self) -> Iterator[bytes]:
        size = len(self.body) // self.chunks + 1
        for start in range(0, len(self.body), size):
            time.sleep(self.pause)
            yield self.body[start:start + size]


def tier_answer(msisdn: str = "13800138000", message_id: str = "cs-t-00000001") -> bytes:
    """The example answer about ``msisdn``, its Ack echoing ``message_id`` (``header(1)``'s by default)."""
    document = example("boss/responses/QueryCustomerTierResponse.xml")
    return soap_answer(document.replace(b"13800138000", msisdn.encode())
                       .replace(b"hub-7f3a9c2e41d84b5a", message_id.encode()))


def header(number: int) -> dict[str, object]:
    return {"MessageId": f"cs-t-{number:08d}", "SourceSystem": "HUB", "SentAt": datetime.now(UTC)}


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        mock.get(WSDL_URL).respond(200, content=wsdl("boss"), headers={"content-type": "text/xml"})
        yield mock


def test_an_answer_trickling_in_past_the_whole_call_deadline_is_a_transient_failure(
        router: respx.MockRouter) -> None:
    # each read comes within the read timeout, the whole answer does not within connect + read timeouts
    router.post(BASE_URL).mock(return_value=httpx.Response(200, stream=Trickle(tier_answer(), pause=0.1)))
    gateway = SoapGateway(settings("boss", connect_timeout=0.1, read_timeout=0.15), registry().get("boss"))
    with gateway, pytest.raises(SystemUnavailable, match="timed out"):
        gateway.call("QueryCustomerTier", Header=header(1), Msisdn="13800138000")


def test_an_answer_in_several_chunks_within_the_deadline_is_read_whole(router: respx.MockRouter) -> None:
    router.post(BASE_URL).mock(return_value=httpx.Response(200, stream=Trickle(tier_answer(), pause=0.0)))
    with SoapGateway(settings("boss"), registry().get("boss")) as gateway:
        document = gateway.call("QueryCustomerTier", Header=header(1), Msisdn="13800138000")
    assert document.findtext("{urn:onepoint:boss:1}Msisdn") == "13800138000"


def test_worker_threads_call_at_once_each_getting_its_own_answer(router: respx.MockRouter) -> None:
    inside, most, lock = 0, 0, threading.Lock()
    everyone_in = threading.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
            if most == 4:
                everyone_in.set()
        everyone_in.wait(10)  # the calls overlap: none holds the others back
        with lock:
            inside -= 1
        msisdn = request.content.split(b"Msisdn>", 1)[1].split(b"<", 1)[0].decode()
        return httpx.Response(200, content=echoed(tier_answer(msisdn), request.content))

    router.post(BASE_URL).mock(side_effect=answer)
    found: dict[str, str | None] = {}
    with SoapGateway(settings("boss"), registry().get("boss")) as gateway:
        def call(n: int) -> None:
            msisdn = f"1380013800{n}"
            found[msisdn] = gateway.call("QueryCustomerTier", Header=header(n), Msisdn=msisdn).findtext(
                "{urn:onepoint:boss:1}Msisdn")

        threads = [threading.Thread(target=call, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    assert most == 4
    assert found == {f"1380013800{n}": f"1380013800{n}" for n in range(4)}
