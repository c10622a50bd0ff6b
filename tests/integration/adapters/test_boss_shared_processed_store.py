"""Two BOSS workers "on two machines" (each its own broker connection, store and adapter) consume one RabbitMQ queue
and share the PostgreSQL processed-message store (``[workers] processed_store``): a SyncHLR resent with the same
MessageId is answered with the recorded answer by whichever worker gets it, and BOSS is called once.

With a SQLite file per working folder (the default) the second machine's worker, which never saw the id, would call
BOSS again (``/tmp/audit-ops/repro_03.py`` shows it with ``onepoint worker`` processes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

import adapters.boss as boss_adapter
from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.store import open_store
from hub.transport import Broker, TopologyConfig, open_broker
from hub.workers import RetryPolicy, Worker
from tests.integration.adapters.conftest import ADAPTER_CONSUMERS, ask, envelope, gateway_settings
from tests.support.postgres_server import PostgresServer
from tests.support.rabbitmq_server import RabbitMQServer
from tests.unit.adapters.soap_kit import example
from tests.unit.workers.kit import short_config

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq, pytest.mark.postgres]


@pytest.fixture
def topology() -> TopologyConfig:
    return replace(short_config(tier_ms=(100, 200, 300)), consumers=ADAPTER_CONSUMERS)


@pytest.fixture
def caller(rabbitmq_server: RabbitMQServer, topology: TopologyConfig) -> Iterator[Broker]:
    """The hub's side: publishes requests to the boss queue and waits for the answers."""
    with open_broker(rabbitmq_server.url, topology) as opened:
        yield opened


@pytest.fixture
def shared_store(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


@contextmanager
def machine(rabbitmq_url: str, topology: TopologyConfig, store_url: str, boss: Any) -> Iterator[None]:
    """One machine's ``onepoint worker boss``: its own connection, store client, gateway and circuit breakers."""
    metrics = Metrics()
    settings = HubSettings(adapters=(gateway_settings("boss", boss.base_url),))
    deps = boss_adapter.dependencies(settings, breakers=CircuitBreakers(metrics), metrics=metrics)
    store = open_store(store_url, consumer=boss_adapter.CONSUMER)
    try:
        with open_broker(rabbitmq_url, topology) as broker, Worker(
                broker, boss_adapter.CONSUMER, boss_adapter.handlers, store=store, dependencies=deps,
                metrics=metrics, policy=RetryPolicy(initial=0.0)):
            yield
    finally:
        boss_adapter.close(deps)
        store.close()


def sync_hlr(boss: Any, message_id: str) -> Any:
    msisdn = boss.app.boss_state.drifted()[0]
    document = example("boss/SyncHLR.valid.xml").replace(b"13800138000", msisdn.encode())
    return envelope(document, "boss.SyncHLR", message_id=message_id)


def test_a_resend_reaching_the_other_machines_worker_is_answered_from_the_record(
        rabbitmq_server: RabbitMQServer, topology: TopologyConfig, caller: Broker, shared_store: str,
        boss_emulator: Any) -> None:
    request = sync_hlr(boss_emulator, "it-sync-shared-0001")
    with machine(rabbitmq_server.url, topology, shared_store, boss_emulator):  # machine A answers, then stops
        first = ask(caller, "boss", request)
    with machine(rabbitmq_server.url, topology, shared_store, boss_emulator):  # the resend reaches machine B
        second = ask(caller, "boss", request)
    assert b"SyncHLRResponse" in first
    assert second == first  # the answer recorded for that id
    boss_emulator.assert_called("SyncHLR", times=1)


def test_resends_shared_out_between_two_running_workers_call_boss_once(
        rabbitmq_server: RabbitMQServer, topology: TopologyConfig, caller: Broker, shared_store: str,
        boss_emulator: Any) -> None:
    request = sync_hlr(boss_emulator, "it-sync-shared-0002")
    with machine(rabbitmq_server.url, topology, shared_store, boss_emulator), \
            machine(rabbitmq_server.url, topology, shared_store, boss_emulator):
        answers = [ask(caller, "boss", request) for _ in range(4)]  # the queue hands them to both in turn
    assert len(set(answers)) == 1 and b"SyncHLRResponse" in answers[0]
    boss_emulator.assert_called("SyncHLR", times=1)
