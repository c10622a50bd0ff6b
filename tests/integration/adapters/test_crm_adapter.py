"""The CRM adapter in a real Worker against the real CRM emulator over HTTP, on memory:// and RabbitMQ: account
managers notified, and an outage notice told to the account managers of its areas once per notice and status."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import adapters.crm as crm_adapter
from hub.config.settings import HubSettings
from hub.envelope import HUB_SYSTEM
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.routing.factory import load_routing_table
from hub.routing.outbound import BrokerOutbound, derive_message_id
from hub.store import ProcessedStore
from hub.store.keys import processed_key
from hub.transport import Broker
from hub.validation import CommandSetRegistry, DocumentValidator
from hub.workers import DeadLetterQueues, RetryPolicy, Worker
from tests.integration.adapters.conftest import envelope, gateway_settings, publish, wait_until
from tests.support.processed_keys import key_of
from tests.unit.adapters.soap_kit import example


def notice_for(manager_id: str, msisdn: str) -> bytes:
    return (example("crm/NotifyAccountManager.valid.xml").replace(b"am-0755-0042", manager_id.encode())
            .replace(b"13800138000", msisdn.encode()))


@contextmanager
def crm_worker(broker: Broker, store: ProcessedStore, handle: Any, breakers: CircuitBreakers,
               metrics: Metrics) -> Iterator[None]:
    settings = HubSettings(adapters=(gateway_settings("crm", handle.base_url),))
    deps = crm_adapter.dependencies(settings, breakers=breakers, metrics=metrics)
    registry = CommandSetRegistry.installed(detailed=False)
    outbound = BrokerOutbound(broker, load_routing_table(settings, registry, broker), DocumentValidator(registry))
    try:
        with Worker(broker, crm_adapter.CONSUMER, crm_adapter.handlers, store=store, dependencies=deps,
                    metrics=metrics, policy=RetryPolicy(initial=0.0), outbound=outbound):
            yield
    finally:
        crm_adapter.close(deps)


def test_the_account_manager_is_notified_once_and_the_notice_id_recorded(
        broker: Broker, store: ProcessedStore, crm_emulator: Any, breakers: CircuitBreakers,
        metrics: Metrics) -> None:
    state = crm_emulator.app.crm_state
    sub = next(s for s in state.population.subscribers if s.account_manager_id)
    sent = envelope(notice_for(sub.account_manager_id, sub.msisdn), "crm.NotifyAccountManager")
    crm_emulator.add_fault("error", "NotifyAccountManager", times=1)  # CRM fails once: the call is retried
    with crm_worker(broker, store, crm_emulator, breakers, metrics):
        publish(broker, "crm", sent)
        wait_until(lambda: store.outcome(key_of("crm", sent)) is not None, "the notice")
    (notice,) = state.notices()
    assert store.outcome(key_of("crm", sent)) == f"notified {notice.notice_id}"
    assert (notice.message_id, notice.account_manager_id, notice.msisdn) == (
        sent.message_id, sub.account_manager_id, sub.msisdn)
    assert notice.channels == ("SMS", "WORK_ORDER") and notice.known_customer
    assert len(crm_emulator.journal(operation="NotifyAccountManager")) == 2


def test_an_unknown_account_manager_is_dead_lettered_with_the_reason(
        broker: Broker, store: ProcessedStore, crm_emulator: Any, breakers: CircuitBreakers,
        metrics: Metrics) -> None:
    sent = envelope(notice_for("am-9999-9999", "13800138000"), "crm.NotifyAccountManager")
    with crm_worker(broker, store, crm_emulator, breakers, metrics):
        publish(broker, "crm", sent)
        dlq = DeadLetterQueues(broker)
        wait_until(lambda: dlq.count("crm") == 1, "the dead letter")
    (dead,) = dlq.browse("crm")
    assert dead.message_id == sent.message_id and dead.kind == "permanent"
    assert "CRM knows no account manager am-9999-9999" in dead.reason
    assert store.outcome(key_of("crm", sent)) is None


def outage_notice(status: str = "ACTIVE", revision: int = 1) -> bytes:
    document = example("nsp/OutageNotice.valid-fault.xml").replace(
        b"<nsp:Revision>1<", f"<nsp:Revision>{revision}<".encode())
    if status == "CLEARED":
        document = document.replace(b"<nsp:Status>ACTIVE</nsp:Status>",
                                    b"<nsp:Status>CLEARED</nsp:Status><nsp:ClearedAt>2026-11-23T11:05:00+08:00"
                                    b"</nsp:ClearedAt>")
    return document


def told_outcome(store: ProcessedStore, notice: Any, status: str) -> str | None:
    """The outcome of the NotifyAreaOutage the CRM adapter sent for ``notice`` (broadcast to its queue)."""
    sent = derive_message_id(notice.message_id, f"area-outage-{status.lower()}", "crm", notice.source_system)
    return store.outcome(processed_key("crm", HUB_SYSTEM, sent))


def test_an_outage_notice_is_told_to_the_account_managers_of_its_area_once_per_status(
        broker: Broker, store: ProcessedStore, crm_emulator: Any, breakers: CircuitBreakers,
        metrics: Metrics) -> None:
    state = crm_emulator.app.crm_state
    expected: dict[str, int] = {}
    for sub in state.population.subscribers:
        if sub.account_manager_id and sub.area_code == "0755" and sub.district == "Futian":
            expected[sub.account_manager_id] = expected.get(sub.account_manager_id, 0) + 1
    assert expected  # the seeded population has VIP or group customers in Futian
    active, revised = (envelope(outage_notice(revision=r), "nsp.OutageNotice") for r in (1, 2))
    cleared = envelope(outage_notice("CLEARED", 3), "nsp.OutageNotice")
    crm_emulator.add_fault("error", "NotifyAreaOutage", times=1)  # CRM fails once: the call is retried
    with crm_worker(broker, store, crm_emulator, breakers, metrics):
        publish(broker, "crm", active)  # as the broadcast delivers it to the crm queue
        wait_until(lambda: told_outcome(store, active, "ACTIVE") is not None, "the area outage told to CRM")
        publish(broker, "crm", revised)  # a later revision, still ACTIVE: nobody told twice
        wait_until(lambda: told_outcome(store, revised, "ACTIVE") is not None, "the revision answered")
        publish(broker, "crm", cleared)
        wait_until(lambda: told_outcome(store, cleared, "CLEARED") is not None, "the clearance told to CRM")
    managers = ", ".join(sorted(expected))
    assert told_outcome(store, active, "ACTIVE") == (
        f"FLT-20261123-0007 ACTIVE: {len(expected)} account manager(s) told ({managers}), "
        f"{sum(expected.values())} customer(s)")
    assert told_outcome(store, revised, "ACTIVE") == (
        f"FLT-20261123-0007 ACTIVE: told before ({len(expected)} account manager(s)); nobody told twice")
    outages = state.area_outages()
    assert [(o.outage_notice_id, o.status, o.revision) for o in outages] == [
        ("FLT-20261123-0007", "ACTIVE", 1), ("FLT-20261123-0007", "CLEARED", 3)]
    assert {m.account_manager_id: m.affected_customers for m in outages[0].managers} == expected
    assert outages[0].areas == (("0755", "Futian, around Shenzhen Civic Center"),)
    assert len(crm_emulator.journal(operation="NotifyAreaOutage")) == 4  # the failed call, then one per message
    assert DeadLetterQueues(broker).count("crm") == 0
