"""A SOAP answer is read in the charset its Content-Type names when its bytes name no encoding (RFC 7303), as the
ingress reads a request: BOSS stacks answering GBK say so in the header only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import respx
from lxml import etree

from hub.gateways import SoapGateway, SystemRefused
from hub.gateways.soap_answers import soap_answer
from hub.validation import ParserLimits
from tests.unit.adapters.soap_kit import BASE_URL, WSDL_URL, echoing, example, registry, settings, soap_fault, wsdl
from tests.unit.adapters.soap_kit import soap_answer as envelope_of

pytestmark = pytest.mark.unit
BOSS = "urn:onepoint:boss:1"
GBK = "text/xml; charset=GBK"
MANAGER = "李娜"


def tier_answer() -> bytes:
    """The example tier answer (Chinese group and manager names), no XML declaration: UTF-8 bytes."""
    return envelope_of(example("boss/responses/QueryCustomerTierResponse.xml"))


def read(status: int, content: bytes, content_type: str | None) -> etree._Element:
    return soap_answer("boss", "QueryCustomerTier", registry().get("boss"), status, "Reason", content,
                       ParserLimits(), content_type=content_type)


@pytest.mark.parametrize("content_type", [GBK, 'text/xml; charset="gbk"', "application/soap+xml;charset=GB18030"])
def test_an_answer_in_the_charset_its_content_type_names_is_read_in_it(content_type: str) -> None:
    document = read(200, tier_answer().decode().encode("gbk"), content_type)
    assert document.findtext(f"{{{BOSS}}}AccountManagerName") == MANAGER


@pytest.mark.parametrize("content_type", [None, "text/xml", "text/xml; charset=utf-8"])
def test_an_answer_without_another_charset_is_read_as_its_bytes_say(content_type: str | None) -> None:
    assert read(200, tier_answer(), content_type).findtext(f"{{{BOSS}}}AccountManagerName") == MANAGER


def test_a_fault_in_the_charset_its_content_type_names_keeps_its_code_and_reason() -> None:
    fault = soap_fault("Client.SubscriberNotFound", "用户不存在").decode().encode("gbk")
    with pytest.raises(SystemRefused) as refused:
        read(500, fault, GBK)
    assert refused.value.code == "Client.SubscriberNotFound" and "用户不存在" in refused.value.detail


def test_a_charset_the_bytes_contradict_gives_way_to_their_declaration() -> None:
    """A backend's server that labels a UTF-8 document charset=GBK (a misconfigured container) is read as the
    document declares itself: the hub cannot have the backend fixed, and the declaration was what it read before."""
    declared = b'<?xml version="1.0" encoding="UTF-8"?>' + tier_answer()
    assert read(200, declared, GBK).findtext(f"{{{BOSS}}}AccountManagerName") == MANAGER
    assert read(200, declared, "text/xml; charset=x-unknown-charset").findtext(
        f"{{{BOSS}}}AccountManagerName") == MANAGER


def test_the_gateway_reads_the_charset_of_the_answer_it_got() -> None:
    with respx.mock(assert_all_called=False) as router:
        router.get(WSDL_URL).respond(200, content=wsdl("boss"), headers={"content-type": "text/xml"})
        router.post(BASE_URL).mock(side_effect=echoing(tier_answer(), headers={"content-type": GBK},
                                                       encoding="gbk"))
        with SoapGateway(settings("boss"), registry().get("boss")) as gateway:
            document = gateway.call("QueryCustomerTier", Msisdn="13800138000", Header={
                "MessageId": "cs-gbk-000000001", "SourceSystem": "HUB", "SentAt": datetime.now(UTC)})
    assert document.findtext(f"{{{BOSS}}}AccountManagerName") == MANAGER
