"""Every SOAP Fault of the ingress is HTTP 500 (WS-I Basic Profile 1.1 R1126), its ``Retry-After`` and
``X-OnePoint-Refusal`` kept; a trailing slash on ``/soap/<set>/`` or ``/xml/<set>/`` is the unknown-endpoint
refusal, never a redirect built from the ``Host`` header."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from lxml import etree

from hub.ingress.outcomes import Refusal
from hub.ingress.soap.endpoint import fault_for
from tests.support.soap import SOAP_NS, envelope, security_header
from tests.unit.soap.test_soap_ingress_gate import OA, complete_todo, faultcode, hub, quiet, session

pytestmark = pytest.mark.unit

C = "urn:onepoint:common:1"
BOSS = {"content-type": "text/xml; charset=utf-8", "soapaction": '"QueryCustomerTier"', "host": "attacker.example:80"}


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503, 504])
def test_every_refusal_is_a_fault_of_http_500(status: int) -> None:
    fault = fault_for(Refusal(status, "some-code", "why", retry_after=7))
    assert fault.status == 500


def test_a_throttled_caller_gets_500_with_retry_after_and_the_refusal_kind(dev_settings, registry, examples_dir):
    async def steps(client: httpx.AsyncClient) -> httpx.Response:
        for i in range(5):
            await client.post("/soap/oa", content=complete_todo(examples_dir, f"guess{i}"), headers=OA)
        return await client.post("/soap/oa", content=complete_todo(examples_dir), headers=OA)

    refused = session(hub(quiet(dev_settings), registry), "10.2.1.1")(steps)
    assert refused.status_code == 500 and faultcode(refused) == "soap:Client.Throttled"
    assert refused.headers["retry-after"] == "12" and refused.headers["x-onepoint-refusal"] == "throttled"


def test_a_full_nonce_cache_is_500_with_retry_after(dev_settings, registry, examples_dir):
    async def steps(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.post("/soap/oa", content=complete_todo(examples_dir), headers=OA) for _ in range(3)]

    answers = session(hub(quiet(dev_settings, nonce_cache_size=4), registry), "10.2.1.2")(steps)
    busy = answers[2]
    assert busy.status_code == 500 and faultcode(busy) == "soap:Server.Busy"
    assert busy.headers["x-onepoint-refusal"] == "busy" and int(busy.headers["retry-after"]) > 0


def test_framing_faults_are_500(dev_settings, registry):
    async def steps(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.post("/soap/oa", content=b"<x/>", headers={"content-type": "application/json"}),
            await client.get("/soap/billing?wsdl"),
            await client.get("/soap/oa"),
        ]

    media, unknown, no_wsdl = session(hub(dev_settings, registry))(steps)
    assert [r.status_code for r in (media, unknown, no_wsdl)] == [500, 500, 500]
    assert [r.headers["x-onepoint-refusal"] for r in (media, unknown, no_wsdl)] == [
        "unsupported-media-type", "unknown-endpoint", "method-not-allowed"]
    assert faultcode(media) == "soap:Client.UnsupportedMediaType"
    assert no_wsdl.headers["allow"] == "POST, GET, HEAD"


class TestTrailingSlash:
    def test_a_soap_address_with_a_trailing_slash_is_an_unknown_endpoint_fault(self, dev_settings, registry):
        request = envelope(b'<b:QueryCustomerTierRequest xmlns:b="urn:onepoint:boss:1"/>',
                           security_header("cs-frontend", "cs-dev-password"))

        async def steps(client: httpx.AsyncClient) -> list[httpx.Response]:
            return [await client.post("/soap/boss/", content=request, headers=BOSS),
                    await client.get("/soap/boss/?wsdl", headers={"host": "attacker.example"})]

        for answer in session(hub(dev_settings, registry))(steps):
            assert answer.status_code == 500 and "location" not in answer.headers
            assert faultcode(answer) == "soap:Client.UnknownEndpoint"
            assert answer.headers["x-onepoint-refusal"] == "unknown-endpoint"
            fault = etree.fromstring(answer.content).find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
            assert fault is not None and "/soap/boss" in (fault.findtext("faultstring") or "")
            assert b"attacker" not in answer.content

    def test_an_xml_address_with_a_trailing_slash_is_the_404_error_document(self, dev_settings, registry,
                                                                            examples_dir: Path):
        document = (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()

        async def steps(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post("/xml/workorder/", content=document, auth=("cs-frontend", "cs-dev-password"),
                                     headers={"content-type": "application/xml", "host": "attacker.example"})

        answer = session(hub(dev_settings, registry))(steps)
        assert answer.status_code == 404 and "location" not in answer.headers
        assert etree.fromstring(answer.content).findtext(f"{{{C}}}Code") == "unknown-endpoint"
        assert b"attacker" not in answer.content
