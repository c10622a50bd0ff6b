"""The gateways' answers bounded and classified by what the system said: an answer over the parser's cap is
refused before it is read whole (SOAP and XML), a throttling status is "later" whatever fault came with it (and
``Retry-After`` is the wait), and a WSDL offering SOAP 1.1 and SOAP 1.2 bindings is called through its SOAP 1.1
one (respx: no socket)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import respx

from hub.gateways import InvalidAnswer, SoapGateway, SystemRefused, SystemUnavailable, XmlGateway
from hub.gateways.failures import SystemThrottled, retry_after_seconds
from hub.gateways.soap_answers import soap_answer
from hub.validation import ParserLimits
from hub.workers.errors import CallsHeldBack
from tests.unit.adapters.soap_kit import BASE_URL, WSDL_URL, example, registry, settings, soap_fault, wsdl
from tests.unit.adapters.soap_kit import soap_answer as envelope_of

pytestmark = pytest.mark.unit
LIMITS = ParserLimits(max_bytes=64 * 1024)
HEADER = {"MessageId": "cs-t-00000001", "SourceSystem": "HUB", "SentAt": datetime(2026, 12, 5, tzinfo=UTC)}


class Endless(httpx.SyncByteStream):
    """An answer that never ends: 16 KiB chunks, counted as they are taken."""

    def __init__(self) -> None:
        self.taken = 0

    def __iter__(self) -> Iterator[bytes]:
        yield b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        while True:
            self.taken += 1
            yield b"<x>" + b"A" * (16 * 1024) + b"</x>"


def two_bindings(*, same_address: bool = True, second_soap11: bool = False) -> bytes:
    """The BOSS emulator's WSDL with a second binding and port: SOAP 1.2 (or another SOAP 1.1 one), served at the
    same address (or elsewhere)."""
    text = wsdl("boss").decode()
    binding = re.search(r'<wsdl:binding name="(\w+)".*?</wsdl:binding>', text, re.S)
    assert binding is not None
    name = binding.group(1)
    port_found = re.search(rf'<wsdl:port name="{name}".*?</wsdl:port>', text, re.S)
    assert port_found is not None
    second = binding.group(0).replace(f'name="{name}"', f'name="{name}Second"', 1)
    port = (port_found.group(0).replace(f'name="{name}"', f'name="{name}Second"')
            .replace(f'binding="tns:{name}"', f'binding="tns:{name}Second"'))
    if not second_soap11:
        second, port = second.replace("wsdlsoap11:", "wsdlsoap12:"), port.replace("wsdlsoap11:", "wsdlsoap12:")
    if not same_address:
        port = re.sub(r'location="[^"]*"', 'location="http://elsewhere.test/boss"', port)
    return text.replace(binding.group(0), second + binding.group(0)).replace(port_found.group(0),
                                                                             port + port_found.group(0)).encode()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def boss_gateway(router: respx.MockRouter, document: bytes | None = None, **options: object) -> SoapGateway:
    router.get(WSDL_URL).respond(200, content=document or wsdl("boss"), headers={"content-type": "text/xml"})
    return SoapGateway(settings("boss", **options), registry().get("boss"), limits=LIMITS)


def tier_answer() -> bytes:
    """The example answer, its Ack echoing ``HEADER``'s MessageId (as BOSS echoes the one it is sent)."""
    document = example("boss/responses/QueryCustomerTierResponse.xml")
    return envelope_of(document.replace(b"hub-7f3a9c2e41d84b5a", str(HEADER["MessageId"]).encode()))


class TestTwoBindings:
    def test_the_soap11_binding_of_a_wsdl_that_also_offers_soap12_is_called(self, router):
        call = router.post(BASE_URL).respond(200, content=tier_answer())
        with boss_gateway(router, two_bindings()) as gateway:
            answer = gateway.call("QueryCustomerTier", Header=HEADER, Msisdn="13800138000")
        assert answer.findtext("{urn:onepoint:boss:1}EffectiveTier") == "VIP_GOLD"
        assert call.calls.last.request.headers["content-type"].startswith("text/xml")  # SOAP 1.1, not 1.2

    def test_of_two_soap11_bindings_the_one_served_at_the_configured_url_is_called(self, router):
        router.post(BASE_URL).respond(200, content=tier_answer())
        document = two_bindings(second_soap11=True, same_address=False).replace(
            re.search(rb'location="(http://[^"]*)"', wsdl("boss")).group(0),  # type: ignore[union-attr]
            f'location="{BASE_URL}"'.encode())
        with boss_gateway(router, document) as gateway:
            assert gateway.call("QueryCustomerTier", Header=HEADER, Msisdn="13800138000") is not None

    def test_an_ambiguous_wsdl_is_refused_naming_the_bindings_unless_one_is_configured(self, router):
        document = two_bindings(second_soap11=True)
        with pytest.raises(InvalidAnswer, match=r"2 SOAP 1.1 bindings .*binding"):
            boss_gateway(router, document)
        router.post(BASE_URL).respond(200, content=tier_answer())
        name = re.search(rb'<wsdl:binding name="(\w+Second)"', document).group(1).decode()  # type: ignore[union-attr]
        with boss_gateway(router, document, binding=name) as gateway:
            assert gateway.call("QueryCustomerTier", Header=HEADER, Msisdn="13800138000") is not None

    def test_a_configured_binding_the_wsdl_lacks_is_refused(self, router):
        with pytest.raises(InvalidAnswer, match="no binding named 'Nope'"):
            boss_gateway(router, binding="Nope")


class TestAnswerCap:
    def test_a_soap_answer_announced_over_the_cap_is_refused_before_its_body_is_read(self, router):
        body = Endless()
        router.post(BASE_URL).respond(200, stream=body, headers={"content-length": str(300 * 1024 * 1024)})
        with boss_gateway(router) as gateway, pytest.raises(InvalidAnswer, match="announced as 314572800 bytes"):
            gateway.call("QueryCustomerTier", Header=HEADER, Msisdn="13800138000")
        assert body.taken == 0

    def test_a_soap_answer_streamed_past_the_cap_is_refused_there(self, router):
        body = Endless()
        router.post(BASE_URL).respond(200, stream=body)
        with boss_gateway(router) as gateway, pytest.raises(InvalidAnswer, match="over 65536 bytes"):
            gateway.call("QueryCustomerTier", Header=HEADER, Msisdn="13800138000")
        assert body.taken <= LIMITS.max_bytes // (16 * 1024) + 1  # stopped at the cap

    def test_an_xml_answer_past_the_cap_is_refused_there(self, router):
        body = Endless()
        router.post(BASE_URL).respond(200, stream=body)
        nsp = XmlGateway(settings("nsp"), registry().get("nsp"), limits=LIMITS)
        with nsp, pytest.raises(InvalidAnswer, match="over 65536 bytes"):
            nsp.post("NetworkComplaintDispatch", example("nsp/NetworkComplaintDispatch.valid.xml"))
        assert body.taken <= LIMITS.max_bytes // (16 * 1024) + 1

    def test_an_answer_within_the_cap_is_read(self, router):
        router.post(BASE_URL).respond(200, content=tier_answer())
        with boss_gateway(router) as gateway:
            assert gateway.call("QueryCustomerTier", Header=HEADER, Msisdn="13800138000") is not None


THROTTLED = soap_fault("Client.Throttled", "too many requests: retry after 5 s")


class TestThrottled:
    @pytest.mark.parametrize("status", [429, 503, 408])
    def test_a_client_fault_with_a_try_later_status_is_transient_and_waits_as_retry_after_says(self, status):
        with pytest.raises(SystemThrottled) as failed:
            soap_answer("boss", "QueryCustomerTier", registry().get("boss"), status, "Busy", THROTTLED, LIMITS, 5.0)
        assert isinstance(failed.value, CallsHeldBack) and failed.value.retry_in == 5.0
        assert "Client.Throttled" in str(failed.value)

    def test_without_retry_after_it_is_retried_as_any_unavailability(self):
        with pytest.raises(SystemUnavailable) as failed:
            soap_answer("boss", "QueryCustomerTier", registry().get("boss"), 429, "Too Many", THROTTLED, LIMITS)
        assert not isinstance(failed.value, CallsHeldBack)

    def test_a_client_fault_with_http_500_is_still_a_refusal(self):
        with pytest.raises(SystemRefused):
            soap_answer("boss", "QueryCustomerTier", registry().get("boss"), 500, "Error", THROTTLED, LIMITS)

    def test_a_client_fault_with_http_500_and_retry_after_is_throttled(self):
        """A Fault is HTTP 500 whatever it says (WS-I BP R1126): its Retry-After marks it "try again later"."""
        with pytest.raises(SystemThrottled):
            soap_answer("boss", "QueryCustomerTier", registry().get("boss"), 500, "Error", THROTTLED, LIMITS, 5.0)

    def test_the_soap_gateway_reads_retry_after(self, router):
        router.post(BASE_URL).respond(429, content=THROTTLED, headers={"retry-after": "7"})
        with boss_gateway(router) as gateway, pytest.raises(SystemThrottled) as failed:
            gateway.call("QueryCustomerTier", Header=HEADER, Msisdn="13800138000")
        assert failed.value.retry_in == 7.0

    def test_the_xml_gateway_reads_retry_after(self, router):
        router.post(BASE_URL).respond(503, content=b"busy", headers={"retry-after": "12"})
        with XmlGateway(settings("nsp"), registry().get("nsp")) as nsp, pytest.raises(SystemThrottled) as failed:
            nsp.post("NetworkComplaintDispatch", example("nsp/NetworkComplaintDispatch.valid.xml"))
        assert failed.value.retry_in == 12.0

    def test_retry_after_is_seconds_or_an_http_date(self):
        assert retry_after_seconds("30") == 30.0
        assert retry_after_seconds("Sat, 05 Dec 2026 08:00:30 GMT", now=datetime(2026, 12, 5, 8, 0,
                                                                                   tzinfo=UTC).timestamp()) == 30.0
        assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
        assert retry_after_seconds("\u00b9\u00b2") is None  # superscript digits: isdigit() says yes, float() no


def test_an_error_answer_over_the_cap_is_judged_by_its_status_alone(router):
    body = Endless()
    router.post(BASE_URL).respond(503, stream=body)
    with boss_gateway(router) as gateway, pytest.raises(SystemUnavailable, match="HTTP 503"):
        gateway.call("QueryCustomerTier", Header=HEADER, Msisdn="13800138000")
    assert body.taken <= LIMITS.max_bytes // (16 * 1024) + 1
