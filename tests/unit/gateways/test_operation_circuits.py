"""A system's operations that fail on their own have a circuit of their own, and one message's retries are one
failure of a streak (audit of BOSS flows, repro_7: one agent's SyncHLR during an HLR link outage opened BOSS's
circuit, and every tier lookup failed for 30 s though BOSS answered them)."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from adapters.boss import BossClient, handlers
from hub.config.adapters import parse_adapters
from hub.gateways import Circuit, CircuitBreakers, CircuitOpenError, SoapGateway
from hub.gateways.failures import SystemFailed, failure_of
from hub.observability.metrics import Metrics
from hub.workers import WorkerTestClient
from hub.workers.calling import handling
from tests.unit.adapters.soap_kit import (
    BASE_URL,
    WSDL_URL,
    command,
    echoing,
    example,
    registry,
    settings,
    soap_answer,
    soap_fault,
    wsdl,
)

pytestmark = pytest.mark.unit


BossWorker = tuple[WorkerTestClient, CircuitBreakers, Metrics]


def hlr_down(request: httpx.Request) -> httpx.Response:
    """BOSS's HLR provisioning link is down (SyncHLR: a Server fault); its customer records answer."""
    if b"SyncHLR" in request.content:
        return httpx.Response(500, content=soap_fault("Server", "HLR provisioning link down"),
                              headers={"content-type": "text/xml"})
    tier = soap_answer(example("boss/responses/QueryCustomerTierResponse.xml"))
    return echoing(tier)(request)


@pytest.fixture
def boss_worker(request: pytest.FixtureRequest) -> Iterator[BossWorker]:
    metrics = Metrics()
    breakers = CircuitBreakers(metrics)
    with respx.mock(assert_all_called=False) as router:
        router.get(WSDL_URL).respond(200, content=wsdl("boss"), headers={"content-type": "text/xml"})
        router.post(BASE_URL).mock(side_effect=hlr_down)
        overrides = {"breaker_fail_max": 5, **getattr(request, "param", {})}
        gateway = SoapGateway(settings("boss", **overrides), registry().get("boss"), breakers=breakers,
                              metrics=metrics)
        client = WorkerTestClient(handlers, consumer="boss", dependencies={
            "boss": BossClient(gateway), "operator_zone": ZoneInfo("Asia/Shanghai")})
        try:
            yield client, breakers, metrics
        finally:
            gateway.close()


@pytest.mark.parametrize("boss_worker", [{"circuits": {}}], indirect=True)  # one circuit for all of BOSS
def test_one_messages_retries_are_one_failure_and_do_not_open_the_circuit(boss_worker: BossWorker) -> None:
    client, breakers, _ = boss_worker
    sync = client.request(command("boss/SyncHLR.valid.xml", message_id="cs-sync-0000001"))
    assert sync.dead and sync.attempts == client.max_attempts  # all 12 tries failed: each asked BOSS
    assert breakers.state("boss") == "closed"  # ... yet they were one message's: one failure
    tier = client.request(command("boss/QueryCustomerTier.valid.xml", message_id="cs-tier-0000001"))
    assert tier.processed and tier.reply is not None and b"EffectiveTier" in tier.reply


def test_by_default_bosss_syncs_have_their_own_circuit_and_tier_lookups_still_flow(boss_worker: BossWorker) -> None:
    client, breakers, metrics = boss_worker
    assert breakers.states() == {"boss": "closed", "boss.hlr": "closed"}  # shown before any call
    for number in range(5):  # five agents' syncs: the HLR link is down for everyone
        client.send(client.message(command("boss/SyncHLR.valid.xml", message_id=f"cs-sync-000000{number}")),
                    follow_retries=False)
    assert breakers.readiness() == {"circuits": {"boss": "closed", "boss.hlr": "open"}, "open": ["boss.hlr"]}
    assert metrics.value("onepoint_circuit_state", system="boss", circuit="boss.hlr") == 2
    assert metrics.value("onepoint_circuit_state", system="boss", circuit="boss") == 0
    held = client.send(client.message(command("boss/SyncHLR.valid.xml", message_id="cs-sync-0000009")),
                       follow_retries=False)
    assert held.waiting and held.reason is not None and "circuit open (circuit boss.hlr" in held.reason
    tier = client.request(command("boss/QueryCustomerTier.valid.xml", message_id="cs-tier-0000001"))
    assert tier.processed and tier.reply is not None and b"EffectiveTier" in tier.reply


def call_as(message_id: str | None, circuit: Circuit, failure: Exception) -> None:
    token = handling.set(message_id)

    def fail() -> None:
        raise failure

    try:
        with pytest.raises(type(failure)):
            circuit.call("SyncHLR", fail)
    finally:
        handling.reset(token)


def test_a_streak_counts_distinct_messages_for_answered_failures_and_every_unanswered_one() -> None:
    breakers = CircuitBreakers()
    circuit = breakers.circuit(settings("boss", breaker_fail_max=2, circuits={}))
    answered = SystemFailed("boss", "SyncHLR", "SOAP fault Server: HLR provisioning link down")
    for _ in range(6):
        call_as("m1", circuit, answered)
    assert breakers.state("boss") == "closed"
    call_as("m2", circuit, answered)  # a second message: the system fails for more than one
    assert breakers.state("boss") == "open"

    down = CircuitBreakers().circuit(settings("boss", breaker_fail_max=2, circuits={}))
    refused = failure_of("boss", "SyncHLR", httpx.ConnectError("connection refused"))
    call_as("m1", down, refused)
    call_as("m1", down, refused)  # no answer at all: the system is down whoever asks; a lone message opens it
    with pytest.raises(CircuitOpenError):
        down.call("SyncHLR", lambda: None)

    outside = CircuitBreakers().circuit(settings("boss", breaker_fail_max=2, circuits={}))
    call_as(None, outside, answered)
    call_as(None, outside, answered)  # calls made outside a handler are each a call of their own
    with pytest.raises(CircuitOpenError):
        outside.call("SyncHLR", lambda: None)


def test_a_success_ends_the_streak() -> None:
    breakers = CircuitBreakers()
    circuit = breakers.circuit(settings("boss", breaker_fail_max=2, circuits={}))
    answered = SystemFailed("boss", "SyncHLR", "SOAP fault Server")
    call_as("m1", circuit, answered)
    assert circuit.call("SyncHLR", lambda: "ok") == "ok"
    call_as("m1", circuit, answered)  # a new streak: m1 counts again
    call_as("m2", circuit, answered)
    assert breakers.state("boss") == "open"


def test_circuits_are_set_per_operation_in_the_config_and_checked_against_the_command_set() -> None:
    section = {"boss": {"url": "http://127.0.0.1:8101/", "circuits": {"SyncHLR": "hlr", "QuerySubscriber": "hlr"}},
               "crm": {"url": "http://127.0.0.1:8102/"}}
    boss, crm = parse_adapters(section, "hub.toml")
    assert dict(boss.operation_circuits) == {"SyncHLR": "hlr", "QuerySubscriber": "hlr"}
    assert dict(crm.operation_circuits) == {}
    one = parse_adapters({"boss": {"url": "http://127.0.0.1:8101/", "circuits": {}}}, "hub.toml")[0]
    assert dict(one.operation_circuits) == {}  # every operation on BOSS's own circuit
    default = parse_adapters({"boss": {"url": "http://127.0.0.1:8101/"}}, "hub.toml")[0]
    assert dict(default.operation_circuits) == {"SyncHLR": "hlr"}
    with pytest.raises(ValueError, match=r"circuits.SyncHLR must name a circuit"):
        parse_adapters({"boss": {"url": "http://127.0.0.1:8101/", "circuits": {"SyncHLR": "HLR link"}}}, "hub.toml")
    with pytest.raises(ValueError, match=r"circuits must be a table"):
        parse_adapters({"boss": {"url": "http://127.0.0.1:8101/", "circuits": "hlr"}}, "hub.toml")
    with pytest.raises(ValueError, match=r"boss has no operation SyncHlr \(its operations: .*SyncHLR"):
        CircuitBreakers().circuits_of(settings("boss", circuits={"SyncHlr": "hlr"}), registry().get("boss"))
