"""The CRM adapter in a real Worker against the real CRM emulator over HTTP, on memory:// and RabbitMQ."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import adapters.crm as crm_adapter
from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.store import ProcessedStore
from hub.transport import Broker
from hub.workers import DeadLetterQueues, RetryPolicy, Worker
from tests.integration.adapters.conftest import envelope, gateway_settings, publish, wait_until
from tests.unit.adapters.soap_kit import example


def notice_for(manager_id: str, msisdn: str) -> bytes:
    return (example("crm/NotifyAccountManager.valid.xml").replace(b"am-0755-0042", manager_id.encode())
            .replace(b"13800138000", msisdn.encode()))


@contextmanager
def crm_worker(broker: Broker, store: ProcessedStore, handle: Any, breakers: CircuitBreakers,
               metrics: Metrics) -> Iterator[None]:
    settings = HubSettings(adapters=(gateway_settings("crm", handle.base_url),))
    deps = crm_adapter.dependencies(settings, breakers=breakers, metrics=metrics)
    try:
        with Worker(broker, crm_adapter.CONSUMER, crm_adapter.handlers, store=store, dependencies=deps,
                    metrics=metrics, policy=RetryPolicy(initial=0.0)):
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
        wait_until(lambda: store.outcome(f"crm:{sent.message_id}") is not None, "the notice")
    (notice,) = state.notices()
    assert store.outcome(f"crm:{sent.message_id}") == f"notified {notice.notice_id}"
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
    assert store.outcome(f"crm:{sent.message_id}") is None
