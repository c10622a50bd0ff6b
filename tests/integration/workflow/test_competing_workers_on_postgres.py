"""Two workflow workers in batch mode, competing for one RabbitMQ queue and sharing one PostgreSQL store (a
deployment of several hub and worker processes): every complaint becomes one dispatched work order, answered once,
dispatched once, and the statistics' counters, which complaints of one area and day share, add up to what the work
orders hold (the rebuild from the history agrees). Complaints of four areas are interleaved so that two batches
take the same counter rows in different orders: a deadlock between them must cost a retry, never a complaint."""

from __future__ import annotations

import uuid
from concurrent.futures import Future
from contextlib import ExitStack
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from hub.config.workflow import WorkflowSettings
from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.routing.codec import envelope_from_message, message_from_envelope
from hub.routing.outbound import BrokerOutbound
from hub.routing.table import RoutingTable
from hub.transport import Broker, Message, TopologyConfig, open_broker, routing_key
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import Worker
from hub.workflow import wiring
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.statistics import rebuild_counters, zone_of
from hub.workflow.store import WorkOrderProcessedStore
from hub.workflow.store.schema import work_order_counters, work_orders
from hub.workflow.tiers import TierFacts
from tests.support.postgres_server import PostgresServer
from tests.unit.workers.kit import take_all, wait_until
from tests.unit.workflow.kit import WO, C, command, envelope

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.rabbitmq]

AREAS = ("0755", "0769", "0757", "020")
TIERS = ("PREPAID", "CONTRACT", "VIP_GOLD")
COMPLAINTS = 160


def _complaint(number: int) -> Envelope:
    """A complaint that carries its dispatch template (dispatched at intake), of one of four areas."""
    document, message_id = command("CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn=f"1390055{number:04d}")
    area_code = document.find(f".//{{{C}}}AreaCode")
    assert area_code is not None
    area_code.text = AREAS[number % len(AREAS)]
    return envelope(document, message_id)


@pytest.fixture
def database(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


def _runtime(database: str) -> WorkflowRuntime:
    """A worker process's runtime (its own connections); the mass-complaint rule off: one phenomenon is sent
    many times here, which would open an incident instead of dispatching."""
    runtime = open_runtime(WorkflowSettings(database=database, mass_incidents=False))
    for number in range(COMPLAINTS):
        runtime.tiers.remember(TierFacts(f"1390055{number:04d}", TIERS[number % len(TIERS)]))
    return runtime


def test_two_batch_workers_on_one_store_do_every_complaint_once(rabbitmq_server: Any, database: str) -> None:
    config = TopologyConfig(prefix=f"cw{uuid.uuid4().hex[:10]}")
    sets = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=config.consumers, command_types=sets.command_types())
    with ExitStack() as stack:
        requester: Broker = stack.enter_context(open_broker(rabbitmq_server.url, config))
        runtimes = [_runtime(database) for _ in range(2)]
        for runtime in runtimes:
            stack.callback(runtime.close)
        metrics = [Metrics(), Metrics()]
        for runtime, counted in zip(runtimes, metrics, strict=True):
            broker = stack.enter_context(open_broker(rabbitmq_server.url, config))
            outbound = BrokerOutbound(broker, table, DocumentValidator(sets), confirm_timeout=10)
            worker = Worker(broker, wiring.CONSUMER, wiring.handlers, store=WorkOrderProcessedStore(
                runtime.store, max_batch=16), dependencies={"workflow": runtime}, outbound=outbound, prefetch=32,
                metrics=counted)
            stack.enter_context(worker)
        futures: list[Future[Message]] = []
        sent: set[str] = set()
        for number in range(COMPLAINTS):
            env = _complaint(number)
            sent.add(env.message_id)
            message = message_from_envelope(env, routing_key(wiring.CONSUMER, env.command_type), for_request=True)
            futures.append(requester.request(config.commands_exchange, message, timeout=120))
        wait_until(lambda: all(f.done() for f in futures), "every answer")

    processed = [m.registry.get_sample_value("onepoint_messages_consumed_total",
                                             {"consumer": wiring.CONSUMER, "outcome": "processed"}) or 0
                 for m in metrics]
    assert all(n > 0 for n in processed) and sum(processed) == COMPLAINTS  # both took their share, none twice
    states = [etree.fromstring(f.result(0).body).findtext(f"{{{WO}}}State") for f in futures]
    assert states == ["DISPATCHED"] * COMPLAINTS
    with open_broker(rabbitmq_server.url, config) as broker:
        dispatches = take_all(broker, config.queue("nsp"))
        assert sorted(envelope_from_message(m).headers["caused-by"] for m in dispatches) == sorted(sent)
        assert broker.message_count(config.queue(wiring.CONSUMER)) == 0
        assert take_all(broker, config.dead_letter_queue(wiring.CONSUMER)) == []

    runtime = open_runtime(WorkflowSettings(database=database, mass_incidents=False))
    try:
        with runtime.store.engine.connect() as db:
            assert db.execute(select(func.count()).select_from(work_orders)).scalar_one() == COMPLAINTS
            maintained = sorted(db.execute(select(work_order_counters)).all())
        day_totals = {row.area_code: row.count for row in maintained
                      if row.measure == "created" and row.category_code == "*" and len(row.day) == 10}
        assert day_totals == {area: COMPLAINTS // len(AREAS) for area in AREAS}
        rebuild_counters(runtime.store.engine, zone_of(runtime.engine.observers))
        with runtime.store.engine.connect() as db:
            assert sorted(db.execute(select(work_order_counters)).all()) == maintained
    finally:
        runtime.close()
