"""The BOSS adapter's handlers through the worker pipeline, BOSS played by respx behind the gateway's httpx."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
from lxml import etree

from adapters.boss import BossClient, handlers
from hub.gateways import CircuitBreakers, SoapGateway
from hub.observability.metrics import Metrics
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import (
    BASE_URL,
    WSDL_URL,
    C,
    command,
    echoing,
    example,
    in_turn,
    registry,
    settings,
    soap_answer,
    soap_fault,
    wsdl,
)

pytestmark = pytest.mark.unit
BOSS = "urn:onepoint:boss:1"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


@dataclass
class Boss:
    route: respx.Route
    client: WorkerTestClient
    breakers: CircuitBreakers
    metrics: Metrics


def tier_answer(msisdn: str = "13800138000", brand: str = "QQT") -> bytes:
    document = example("boss/responses/QueryCustomerTierResponse.xml")
    return soap_answer(document.replace(b"13800138000", msisdn.encode()).replace(b">QQT<", f">{brand}<".encode()))


@pytest.fixture
def boss(request: pytest.FixtureRequest) -> Iterator[Boss]:
    options = getattr(request, "param", {})
    metrics = Metrics()
    breakers = CircuitBreakers(metrics)
    with respx.mock(assert_all_called=False) as router:
        router.get(WSDL_URL).respond(200, content=wsdl("boss"), headers={"content-type": "text/xml"})
        route = router.post(BASE_URL)
        gateway = SoapGateway(settings("boss", **options), registry().get("boss"), breakers=breakers, metrics=metrics)
        client = WorkerTestClient(handlers, consumer="boss", dependencies={
            "boss": BossClient(gateway), "operator_zone": ZoneInfo("Asia/Shanghai")})
        try:
            yield Boss(route, client, breakers, metrics)
        finally:
            gateway.close()


def reply_of(result: object) -> etree._Element:
    body = getattr(result, "reply", None)
    assert body is not None, result
    return etree.fromstring(body)


def test_tier_lookup_is_answered_from_boss_with_the_callers_ids(boss: Boss) -> None:
    boss.route.side_effect = echoing(tier_answer())
    result = boss.client.request(command("boss/QueryCustomerTier.valid.xml", message_id="cs-q-00000001"))
    assert result.processed and result.outcome == "tier VIP_GOLD"
    answer = reply_of(result)
    assert registry().get("boss").lxml_schema.validate(answer)
    assert answer.findtext(f"{{{BOSS}}}Ack/{{{C}}}MessageId") == "cs-q-00000001"
    assert answer.findtext(f"{{{BOSS}}}Ack/{{{C}}}CorrelationId") == "cs-corr-0001"
    assert answer.findtext(f"{{{BOSS}}}EffectiveTier") == "VIP_GOLD"
    sent = etree.fromstring(boss.route.calls.last.request.content)
    assert sent.findtext(f".//{{{WSSE}}}Username") == "hub"  # WS-Security UsernameToken
    assert sent.findtext(f".//{{{BOSS}}}Msisdn") == "13800138000"
    assert sent.findtext(f".//{{{BOSS}}}Header/{{{C}}}SourceSystem") == "HUB"
    assert sent.findtext(f".//{{{BOSS}}}Header/{{{C}}}MessageId") == "cs-q-00000001"


def test_every_lookup_reaches_boss_the_one_cache_being_the_ingress(boss: Boss) -> None:
    boss.route.side_effect = echoing(tier_answer())
    boss.client.request(command("boss/QueryCustomerTier.valid.xml", message_id="cs-q-00000001"))
    boss.route.side_effect = echoing(tier_answer(brand="SZX"))  # the tier changed in BOSS meanwhile
    again = boss.client.request(command("boss/QueryCustomerTier.valid.xml", message_id="cs-q-00000002",
                                        correlation_id=None))
    assert boss.route.call_count == 2
    answer = reply_of(again)
    assert answer.findtext(f"{{{BOSS}}}Brand") == "SZX"  # BOSS's answer now, not the adapter's older one
    assert answer.findtext(f"{{{BOSS}}}Ack/{{{C}}}MessageId") == "cs-q-00000002"
    assert answer.find(f"{{{BOSS}}}Ack/{{{C}}}CorrelationId") is None
    assert registry().get("boss").lxml_schema.validate(answer)


def test_an_unknown_subscriber_is_answered_with_a_rejection(boss: Boss) -> None:
    boss.route.respond(500, content=soap_fault("Client.SubscriberNotFound", "subscriber not found: 139****0000"))
    result = boss.client.request(command("boss/QueryCustomerTier.valid.xml"))
    assert result.processed and not result.dead
    error = reply_of(result)
    assert error.tag == f"{{{C}}}Error" and error.findtext(f"{{{C}}}Code") == "subscriber-not-found"


@pytest.mark.parametrize("failure", [
    httpx.Response(503, text="busy"),
    httpx.Response(500, content=soap_fault("Server", "database unavailable")),
    httpx.ConnectTimeout("connect timed out"),
    httpx.ReadTimeout("read timed out"),
    httpx.RemoteProtocolError("peer closed connection"),
], ids=["http-503", "server-fault", "connect-timeout", "read-timeout", "reset"])
def test_a_transient_failure_is_retried_then_answered(boss: Boss, failure: object) -> None:
    boss.route.side_effect = in_turn(failure, tier_answer())
    result = boss.client.request(command("boss/QueryCustomerTier.valid.xml"))
    assert result.processed and result.attempts == 2 and boss.route.call_count == 2
    assert reply_of(result).findtext(f"{{{BOSS}}}EffectiveTier") == "VIP_GOLD"


@pytest.mark.parametrize(("failure", "reason"), [
    (httpx.Response(404, text="no such endpoint"), "refused (404)"),
    (tier_answer(brand="NOPE"), "fails its XSD"),
    (httpx.Response(200, content=b"<maintenance>closed</maintenance>"), "invalid answer: not XML"),
], ids=["http-404", "answer-fails-xsd", "not-soap"])  # a Client fault on a read: test_reads_boss_refused
def test_a_permanent_failure_is_dead_lettered_at_once_with_the_reason(boss: Boss, failure: httpx.Response | bytes,
                                                                      reason: str) -> None:
    boss.route.side_effect = in_turn(failure)
    result = boss.client.request(command("boss/QueryCustomerTier.valid.xml"))
    assert result.dead and result.attempts == 1 and boss.route.call_count == 1
    assert result.reason is not None and reason in result.reason, result.reason
    assert boss.breakers.state("boss") == "closed"  # BOSS answered: a refusal is no sign of an outage


@pytest.mark.parametrize("boss", [{"breaker_fail_max": 3}], indirect=True)
def test_repeated_failures_open_the_circuit_and_boss_is_left_alone(boss: Boss) -> None:
    boss.route.respond(503)
    result = boss.client.request(command("boss/QueryCustomerTier.valid.xml"))
    assert result.waiting and not result.dead  # the open circuit holds the message back: it waits in a tier
    assert result.attempts == 3  # the three real calls; the held-back delivery counts no attempt
    assert boss.route.call_count == 3  # after the third failure no attempt reached BOSS
    assert result.reason is not None and "circuit open" in result.reason
    assert boss.breakers.open_systems() == ["boss"]
    assert boss.metrics.value("onepoint_circuit_state", system="boss", circuit="boss") == 2
    # one held-back delivery
    assert boss.metrics.value("onepoint_gateway_call_seconds_count", system="boss", outcome="open") == 1
    assert boss.metrics.value("onepoint_gateway_call_seconds_count", system="boss", outcome="transient") == 3


@pytest.mark.parametrize("boss", [{"breaker_fail_max": 1, "breaker_reset_seconds": 0.05}], indirect=True)
def test_after_its_reset_time_a_trial_call_closes_the_circuit(boss: Boss) -> None:
    boss.route.side_effect = in_turn(httpx.Response(503), tier_answer())
    first = boss.client.send(boss.client.message(command("boss/QueryCustomerTier.valid.xml")), follow_retries=False)
    assert boss.breakers.state("boss") == "open" and first.final.action.value == "wait"
    time.sleep(0.1)  # the reset time passes
    assert boss.breakers.state("boss") == "half-open" and boss.breakers.open_systems() == []
    assert boss.client.request(command("boss/QueryCustomerTier.valid.xml", message_id="cs-q-00000002")).processed
    assert boss.breakers.state("boss") == "closed"
    assert boss.metrics.value("onepoint_circuit_state", system="boss", circuit="boss") == 0


def test_hlr_sync_returns_the_diff_to_the_caller(boss: Boss) -> None:
    boss.route.side_effect = echoing(soap_answer(example("boss/responses/SyncHLRResponse.xml")))
    result = boss.client.request(command("boss/SyncHLR.valid.xml", message_id="cs-sync-0000001"))
    assert result.outcome == "hlr repaired: 2 field(s)"
    answer = reply_of(result)
    assert [c.findtext(f"{{{BOSS}}}Field") for c in answer.iterfind(f"{{{BOSS}}}Change")] == [
        "BARRING_ALL_OUTGOING", "SUBSCRIBER_STATUS"]
    assert answer.findtext(f"{{{BOSS}}}Ack/{{{C}}}MessageId") == "cs-sync-0000001"
    sent = etree.fromstring(boss.route.calls.last.request.content)
    assert sent.findtext(f".//{{{BOSS}}}WorkOrderId") == "WO20261123A7K2M9Q1"
    assert sent.findtext(f".//{{{BOSS}}}Operator") == "agent-1024"


def test_subscriber_query_returns_the_record(boss: Boss) -> None:
    boss.route.side_effect = echoing(soap_answer(example("boss/responses/QuerySubscriberResponse.xml")))
    answer = reply_of(boss.client.request(command("boss/QuerySubscriber.valid.xml", message_id="cs-sub-0000001")))
    assert answer.findtext(f"{{{BOSS}}}Subscriber/{{{BOSS}}}Brand") == "QQT"
    assert [s.findtext(f"{{{BOSS}}}Code") for s in answer.iterfind(f".//{{{BOSS}}}Service")][:2] == [
        "NATIONAL_ROAMING", "INTERNATIONAL_ROAMING"]
    assert registry().get("boss").lxml_schema.validate(answer)
