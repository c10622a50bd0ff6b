"""An answer whose Ack does not echo the MessageId the gateway sent is not this call's: a stray one (left on a
keep-alive connection, a duplicated answer of an earlier call) is refused as transient and the thread's connection
closed, so the retry reads a fresh connection; the genuine answer of every BOSS and CRM operation passes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import respx
from lxml import etree

from adapters.boss.mapping import subscriber_arguments, sync_arguments, tier_arguments
from adapters.crm.mapping import area_outage_arguments, notify_arguments
from hub.envelope import Envelope
from hub.gateways import InvalidAnswer, SoapGateway, SystemUnavailable
from hub.gateways.soap_answers import soap_answer
from hub.validation import ParserLimits
from tests.support.keep_alive import KeepAliveBackend
from tests.unit.adapters.soap_kit import (
    BASE_URL,
    WSDL_URL,
    C,
    command,
    echoing,
    example,
    registry,
    settings,
    wsdl,
)
from tests.unit.adapters.soap_kit import soap_answer as envelope_of

pytestmark = pytest.mark.unit
BOSS = "urn:onepoint:boss:1"
Arguments = Callable[[Envelope], dict[str, Any]]

OPERATIONS: list[tuple[str, str, Arguments]] = [
    ("boss", "QueryCustomerTier", tier_arguments),
    ("boss", "QuerySubscriber", subscriber_arguments),
    ("boss", "SyncHLR", sync_arguments),
    ("crm", "NotifyAccountManager", notify_arguments),
    ("crm", "NotifyAreaOutage", area_outage_arguments),
]


def header(message_id: str) -> dict[str, object]:
    return {"MessageId": message_id, "SourceSystem": "HUB", "SentAt": datetime.now(UTC)}


def tier_answer(msisdn: str, message_id: str) -> bytes:
    document = example("boss/responses/QueryCustomerTierResponse.xml")
    return envelope_of(document.replace(b"13800138000", msisdn.encode())
                       .replace(b"hub-7f3a9c2e41d84b5a", message_id.encode()))


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def gateway_of(router: respx.MockRouter, system: str) -> SoapGateway:
    router.get(WSDL_URL).respond(200, content=wsdl(system), headers={"content-type": "text/xml"})
    return SoapGateway(settings(system), registry().get(system))


@pytest.mark.parametrize(("system", "operation", "arguments"), OPERATIONS, ids=[o[1] for o in OPERATIONS])
def test_the_genuine_answer_of_every_operation_passes(router: respx.MockRouter, system: str, operation: str,
                                                      arguments: Arguments) -> None:
    router.post(BASE_URL).mock(side_effect=echoing(envelope_of(example(f"{system}/responses/{operation}Response.xml"))))
    envelope = command(f"{system}/{operation}.valid.xml", message_id="cs-genuine-0000001")
    with gateway_of(router, system) as gateway:
        document = gateway.call(operation, **arguments(envelope))
    assert etree.QName(document).localname == f"{operation}Response"
    assert document.findtext(f"*/{{{C}}}MessageId") == "cs-genuine-0000001"


@pytest.mark.parametrize(("system", "operation", "arguments"), OPERATIONS, ids=[o[1] for o in OPERATIONS])
def test_an_answer_acknowledging_another_message_is_refused_as_transient(
        router: respx.MockRouter, system: str, operation: str, arguments: Arguments) -> None:
    router.post(BASE_URL).respond(200, content=envelope_of(example(f"{system}/responses/{operation}Response.xml")))
    envelope = command(f"{system}/{operation}.valid.xml", message_id="cs-asked-00000001")
    with gateway_of(router, system) as gateway, pytest.raises(SystemUnavailable) as refused:
        gateway.call(operation, **arguments(envelope))
    assert "acknowledges MessageId hub-" in str(refused.value) and "cs-asked-00000001" in str(refused.value)


def test_a_stray_answer_of_another_operation_is_transient_too() -> None:
    stray = envelope_of(example("boss/responses/SyncHLRResponse.xml"))  # another call's, acknowledging its id
    with pytest.raises(SystemUnavailable, match="stray"):
        soap_answer("boss", "QueryCustomerTier", registry().get("boss"), 200, "OK", stray, ParserLimits(),
                    message_id="cs-asked-00000001")
    with pytest.raises(InvalidAnswer, match="SyncHLRResponse is not QueryCustomerTierResponse"):  # a wrong answer
        soap_answer("boss", "QueryCustomerTier", registry().get("boss"), 200, "OK", stray, ParserLimits(),
                    message_id="hub-9e04b7d1c3f54a2b")


def test_without_the_message_id_sent_no_echo_is_asked_for() -> None:
    answer = tier_answer("13800138000", "hub-someone-0000001")
    document = soap_answer("boss", "QueryCustomerTier", registry().get("boss"), 200, "OK", answer, ParserLimits())
    assert document.findtext(f"{{{BOSS}}}Msisdn") == "13800138000"


def keep_alive_boss() -> KeepAliveBackend:
    """BOSS behind keep-alive connections, echoing each request's MessageId; its first answer is followed on the
    same connection by a stray one (another subscriber, another message's Ack)."""
    def answer(body: bytes, number: int) -> list[bytes]:
        sent = etree.fromstring(body)
        message_id = sent.findtext(f".//{{{C}}}MessageId") or ""
        own = tier_answer(sent.findtext(f".//{{{BOSS}}}Msisdn") or "", message_id)
        return [own, tier_answer("13900139000", "cs-somebody-else")] if number == 1 else [own]

    return KeepAliveBackend(answer)


def test_the_stray_answer_left_on_a_pooled_connection_is_refused_and_the_retry_takes_a_fresh_one(
        tmp_path: Any) -> None:
    boss = keep_alive_boss()
    description = tmp_path / "boss.wsdl"
    description.write_bytes(wsdl("boss"))
    gateway = SoapGateway(settings("boss", url=boss.url, wsdl=str(description)),
                          registry().get("boss"))
    try:
        first = gateway.call("QueryCustomerTier", Header=header("cs-first-00000001"), Msisdn="13800138000")
        assert first.findtext(f"{{{BOSS}}}Msisdn") == "13800138000"
        with pytest.raises(SystemUnavailable, match="stray"):  # the left-over answer, not this call's
            gateway.call("QueryCustomerTier", Header=header("cs-second-0000001"), Msisdn="15000000000")
        again = gateway.call("QueryCustomerTier", Header=header("cs-second-0000001"), Msisdn="15000000000")
        assert again.findtext(f"{{{BOSS}}}Msisdn") == "15000000000"
        assert again.findtext(f"*/{{{C}}}MessageId") == "cs-second-0000001"
        assert boss.connections == 2  # the connection holding the stray answer was closed
    finally:
        gateway.close()
        boss.close()
