"""The BOSS adapter in a real Worker against the real BOSS emulator over HTTP, on memory:// and RabbitMQ."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lxml import etree

import adapters.boss as boss_adapter
from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.routing.broker_router import REPLY_BY
from hub.routing.codec import message_from_envelope
from hub.store import ProcessedStore
from hub.transport import Broker
from hub.transport.topology import routing_key
from hub.workers import DeadLetterQueues, RetryPolicy, Worker
from tests.integration.adapters.conftest import WAIT, ask, envelope, gateway_settings, publish, wait_until
from tests.support.processed_keys import key_of
from tests.unit.adapters.soap_kit import example

BOSS = "urn:onepoint:boss:1"
C = "urn:onepoint:common:1"


def tier_query(msisdn: str) -> bytes:
    return example("boss/QueryCustomerTier.valid.xml").replace(b"13800138000", msisdn.encode())


def sync_request(msisdn: str) -> bytes:
    return example("boss/SyncHLR.valid.xml").replace(b"13800138000", msisdn.encode())


@contextmanager
def boss_worker(broker: Broker, store: ProcessedStore, handle: Any, breakers: CircuitBreakers, metrics: Metrics,
                policy: RetryPolicy | None = None, **gateway: Any) -> Iterator[dict[str, Any]]:
    settings = HubSettings(adapters=(gateway_settings("boss", handle.base_url, **gateway),))
    deps = boss_adapter.dependencies(settings, breakers=breakers, metrics=metrics)
    try:
        with Worker(broker, boss_adapter.CONSUMER, boss_adapter.handlers, store=store, dependencies=deps,
                    metrics=metrics, policy=policy or RetryPolicy(initial=0.0)):
            yield deps
    finally:
        boss_adapter.close(deps)


def test_tier_lookup_answers_the_seeded_customers_tier_each_time_from_boss(
        broker: Broker, store: ProcessedStore, boss_emulator: Any, breakers: CircuitBreakers,
        metrics: Metrics) -> None:
    state = boss_emulator.app.boss_state
    sub = next(s for s in state.population.subscribers
               if len(s.identities) > 1 and s.account_manager_id and any(i.group_id for i in s.identities))
    with boss_worker(broker, store, boss_emulator, breakers, metrics):
        answer = etree.fromstring(ask(broker, "boss", envelope(tier_query(sub.msisdn), "boss.QueryCustomerTier",
                                                               message_id="it-tier-00000001")))
        again = etree.fromstring(ask(broker, "boss", envelope(tier_query(sub.msisdn), "boss.QueryCustomerTier",
                                                              message_id="it-tier-00000002")))
    assert answer.tag == f"{{{BOSS}}}QueryCustomerTierResponse"
    assert answer.findtext(f"{{{BOSS}}}EffectiveTier") == sub.effective_tier  # the highest identity
    assert [i.findtext(f"{{{BOSS}}}Tier") for i in answer.iterfind(f"{{{BOSS}}}Identity")] == [
        i.tier for i in sub.identities]
    assert answer.findtext(f"{{{BOSS}}}AccountManagerId") == sub.account_manager_id
    assert answer.findtext(f"{{{BOSS}}}Brand") == sub.brand
    assert answer.findtext(f"{{{BOSS}}}Ack/{{{C}}}MessageId") == "it-tier-00000001"
    assert again.findtext(f"{{{BOSS}}}Ack/{{{C}}}MessageId") == "it-tier-00000002"
    assert again.findtext(f"{{{BOSS}}}EffectiveTier") == sub.effective_tier
    boss_emulator.assert_called("QueryCustomerTier", times=2)  # no cache in the adapter: the ingress's is the one


def test_hlr_sync_repairs_the_hlr_and_the_diff_goes_back(broker: Broker, store: ProcessedStore, boss_emulator: Any,
                                                         breakers: CircuitBreakers, metrics: Metrics) -> None:
    state = boss_emulator.app.boss_state
    msisdn = state.drifted()[0]
    expected = {(c.field, c.hlr_value, c.boss_value) for c in state.differences(msisdn)}
    with boss_worker(broker, store, boss_emulator, breakers, metrics):
        answer = etree.fromstring(ask(broker, "boss", envelope(sync_request(msisdn), "boss.SyncHLR")))
    assert answer.findtext(f"{{{BOSS}}}Changed") == "true"
    assert {(c.findtext(f"{{{BOSS}}}Field"), c.findtext(f"{{{BOSS}}}HlrValue"), c.findtext(f"{{{BOSS}}}BossValue"))
            for c in answer.iterfind(f"{{{BOSS}}}Change")} == expected
    assert state.differences(msisdn) == []  # BOSS repaired it


def test_an_unknown_subscriber_is_answered_with_c_error(broker: Broker, store: ProcessedStore, boss_emulator: Any,
                                                         breakers: CircuitBreakers, metrics: Metrics) -> None:
    with boss_worker(broker, store, boss_emulator, breakers, metrics):
        answer = etree.fromstring(ask(broker, "boss", envelope(tier_query("19999999999"), "boss.QueryCustomerTier")))
    assert answer.tag == f"{{{C}}}Error" and answer.findtext(f"{{{C}}}Code") == "subscriber-not-found"


@pytest.mark.parametrize("fault", [{"kind": "error", "status": 503}, {"kind": "reset"}], ids=["503", "reset"])
def test_a_transient_failure_is_retried_then_answered(broker: Broker, store: ProcessedStore, boss_emulator: Any,
                                                      breakers: CircuitBreakers, metrics: Metrics,
                                                      fault: dict[str, Any]) -> None:
    sub = boss_emulator.app.boss_state.population.subscribers[0]
    boss_emulator.add_fault(operation="QueryCustomerTier", times=2, **fault)
    with boss_worker(broker, store, boss_emulator, breakers, metrics):
        answer = etree.fromstring(ask(broker, "boss", envelope(tier_query(sub.msisdn), "boss.QueryCustomerTier")))
    assert answer.findtext(f"{{{BOSS}}}EffectiveTier") == sub.effective_tier
    assert len(boss_emulator.journal(operation="QueryCustomerTier")) == 3  # two failures, then the answer
    assert metrics.value("onepoint_gateway_call_seconds_count", system="boss", outcome="transient") == 2


def test_a_refused_sign_in_is_dead_lettered_with_the_reason(broker: Broker, store: ProcessedStore,
                                                            emulator_factory: Any, breakers: CircuitBreakers,
                                                            metrics: Metrics) -> None:
    handle = emulator_factory("boss", ws_users={"hub": "the-real-password"})
    sub = handle.app.boss_state.population.subscribers[0]
    sent = envelope(tier_query(sub.msisdn), "boss.QueryCustomerTier")
    with boss_worker(broker, store, handle, breakers, metrics):
        publish(broker, "boss", sent)
        dlq = DeadLetterQueues(broker)
        wait_until(lambda: dlq.count("boss") == 1, "the dead letter")
    (dead,) = dlq.browse("boss")
    assert dead.message_id == sent.message_id and dead.kind == "permanent"
    assert "boss QueryCustomerTier refused (wsse:" in dead.reason
    assert breakers.state("boss") == "closed"


def test_an_open_circuit_holds_the_queue_back_and_it_flows_once_boss_is_back(
        broker: Broker, store: ProcessedStore, boss_emulator: Any, breakers: CircuitBreakers,
        metrics: Metrics) -> None:
    sub = boss_emulator.app.boss_state.population.subscribers[0]
    boss_emulator.add_fault("error", "QueryCustomerTier", status=503)
    sent = envelope(tier_query(sub.msisdn), "boss.QueryCustomerTier")
    with boss_worker(broker, store, boss_emulator, breakers, metrics, policy=RetryPolicy(attempts=2, initial=0.0),
                     breaker_fail_max=2, breaker_reset_seconds=0.5):
        publish(broker, "boss", sent)
        wait_until(lambda: metrics.value("onepoint_messages_consumed_total", consumer="boss", outcome="waiting") >= 3,
                   "the message waiting behind the open circuit")
        assert breakers.open_systems() == ["boss"] or breakers.state("boss") == "half-open"
        dlq = DeadLetterQueues(broker)
        assert dlq.count("boss") == 0  # waiting burns no attempt: nothing is dead-lettered however long it lasts
        calls_while_open = len(boss_emulator.journal(operation="QueryCustomerTier"))
        assert calls_while_open < 2 + metrics.value(
            "onepoint_messages_consumed_total", consumer="boss", outcome="waiting")  # held back, not called
        boss_emulator.admin.clear_faults()
        wait_until(lambda: store.outcome(key_of("boss", sent)) is not None, "the message processed once back")
    assert dlq.count("boss") == 0
    assert breakers.state("boss") == "closed"
    assert metrics.value("onepoint_circuit_state", system="boss", circuit="boss") == 0


def test_an_hlr_link_outage_opens_only_the_hlr_circuit_and_tier_lookups_still_flow(
        broker: Broker, store: ProcessedStore, boss_emulator: Any, breakers: CircuitBreakers,
        metrics: Metrics) -> None:
    """BOSS answers SyncHLR with a Server fault (its HLR provisioning link is down) and its customer records
    fine: one agent's sync, however often tried, opens no circuit; syncs of several agents open BOSS's ``hlr``
    circuit only, and a tier lookup is still answered by BOSS (audit of BOSS flows, repro_7)."""
    subs = boss_emulator.app.boss_state.population.subscribers
    boss_emulator.add_fault("error", "SyncHLR", status=500, message="HLR provisioning link down")
    with boss_worker(broker, store, boss_emulator, breakers, metrics, breaker_fail_max=3):
        dlq = DeadLetterQueues(broker)
        publish(broker, "boss", envelope(sync_request(subs[0].msisdn), "boss.SyncHLR"))
        wait_until(lambda: dlq.count("boss") == 1, "the lone sync dead-lettered after its attempts")
        assert breakers.states() == {"boss": "closed", "boss.hlr": "closed"}  # one message: one failure
        for sub in subs[1:4]:
            publish(broker, "boss", envelope(sync_request(sub.msisdn), "boss.SyncHLR"))
        wait_until(lambda: breakers.state("boss.hlr") in ("open", "half-open"), "the hlr circuit open")
        answer = etree.fromstring(ask(broker, "boss", envelope(tier_query(subs[5].msisdn), "boss.QueryCustomerTier")))
    assert answer.findtext(f"{{{BOSS}}}EffectiveTier") == subs[5].effective_tier
    assert breakers.state("boss") == "closed"
    assert metrics.value("onepoint_circuit_state", system="boss", circuit="boss") == 0


def test_a_lookup_whose_caller_stopped_waiting_is_not_asked_of_boss_and_its_resend_is(
        broker: Broker, store: ProcessedStore, boss_emulator: Any, breakers: CircuitBreakers,
        metrics: Metrics) -> None:
    """The reply-by stamp crosses the broker; the refusal recorded for the id does not answer its resend (a read)."""
    sub = boss_emulator.app.boss_state.population.subscribers[0]
    lookup = envelope(tier_query(sub.msisdn), "boss.QueryCustomerTier", message_id="it-tier-gone-0001")
    gone = message_from_envelope(lookup, routing_key("boss", lookup.command_type), for_request=True).with_headers(
        **{REPLY_BY: (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="milliseconds")})
    with boss_worker(broker, store, boss_emulator, breakers, metrics):
        refused = etree.fromstring(broker.request(broker.config.commands_exchange, gone,
                                                  timeout=WAIT).result(WAIT + 5).body)
        boss_emulator.assert_called("QueryCustomerTier", times=0)
        resent = etree.fromstring(ask(broker, "boss", lookup))
    assert refused.findtext(f"{{{C}}}Code") == "caller-stopped-waiting"
    assert resent.findtext(f"{{{BOSS}}}EffectiveTier") == sub.effective_tier
    boss_emulator.assert_called("QueryCustomerTier", times=1)
