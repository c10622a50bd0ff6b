"""An in-process retry of a workflow handler starts clean: the failed attempt's rows are undone (a savepoint in the
claim's transaction) and its sends never left; the work order the retry makes has the id the first attempt drew
(taken from the causing message's id), so anything that did leave still names it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from sqlalchemy import select

from hub.config.workflow import WorkflowSettings
from hub.routing.codec import message_from_envelope
from hub.routing.outbound import BrokerOutbound
from hub.routing.table import RoutingTable
from hub.transport import Broker, Message, TopologyConfig, open_broker, routing_key
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import RetryPolicy, Worker
from hub.workflow import wiring
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store import WorkOrderProcessedStore
from hub.workflow.store.records import new_work_order_id
from hub.workflow.store.schema import work_order_events, work_orders
from hub.workflow.tiers import TierFacts
from tests.unit.workers.kit import take_all
from tests.unit.workflow.kit import START, WO, command, envelope

pytestmark = pytest.mark.unit


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[tuple[WorkflowRuntime, Broker, BrokerOutbound]]:
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'wo.db'}", mass_incidents=False),
                           clock=ManualClock(START))
    config = TopologyConfig(prefix=f"r{uuid.uuid4().hex[:8]}")
    sets = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=config.consumers, command_types=sets.command_types())
    with open_broker("memory://", config) as broker:
        yield runtime, broker, BrokerOutbound(broker, table, DocumentValidator(sets), confirm_timeout=2)
    runtime.close()


def unconfirmed_once(broker: Broker, command_type: str) -> list[str]:
    """The broker does not confirm the first ``command_type`` published (a lost confirm: transient)."""
    real, failed = broker.publish, []

    def publish(exchange: str, message: Message, **options: Any) -> Future[None]:
        if message.type == command_type and not failed:
            failed.append(message.message_id)
            future: Future[None] = Future()
            future.set_exception(TimeoutError("confirm not received"))
            return future
        return real(exchange, message, **options)

    broker.publish = publish  # type: ignore[method-assign]
    return failed


def run_alone(runtime: WorkflowRuntime, broker: Broker, outbound: BrokerOutbound, document: etree._Element,
              message_id: str, received_at: datetime | None = None) -> bytes:
    env = envelope(document, message_id)
    if received_at is not None:
        env = replace(env, received_at=received_at)
    message = message_from_envelope(env, routing_key(wiring.CONSUMER, env.command_type), for_request=True)
    reply = broker.request(broker.config.commands_exchange, message, timeout=10)
    worker = Worker(broker, wiring.CONSUMER, wiring.handlers, store=WorkOrderProcessedStore(runtime.store),
                    dependencies={"workflow": runtime}, outbound=outbound, policy=RetryPolicy(initial=0.0))
    delivery = broker.get(broker.config.queue(wiring.CONSUMER))
    assert delivery is not None
    worker.handle_batch([delivery])  # one message: the single path, with its in-process retries
    return reply.result(5).body


def rows(runtime: WorkflowRuntime) -> tuple[list[str], list[str]]:
    with runtime.store.engine.connect() as db:
        return ([r.id for r in db.execute(select(work_orders.c.id))],
                [r.work_order_id for r in db.execute(select(work_order_events.c.work_order_id))])


def test_a_dispatch_at_intake_not_confirmed_once_makes_one_work_order_and_one_dispatch(parts: Any) -> None:
    runtime, broker, outbound = parts
    runtime.tiers.remember(TierFacts("13800138000", "VIP_GOLD", "AM-0042", "Li Na"))
    failed = unconfirmed_once(broker, "nsp.NetworkComplaintDispatch")
    document, message_id = command("CreateWorkOrder.valid-dispatch-at-intake.xml")
    answer = etree.fromstring(run_alone(runtime, broker, outbound, document, message_id))
    assert failed, "the first dispatch was to go unconfirmed"
    work_order_id = answer.findtext(f"{{{WO}}}WorkOrderId")
    ids, events = rows(runtime)
    assert ids == [work_order_id]  # one work order, not one per attempt
    assert set(events) == {work_order_id} and len(events) == 2  # its created and dispatched events, once
    dispatches = take_all(broker, broker.config.queue("nsp"))
    assert len(dispatches) == 1 and work_order_id is not None and work_order_id.encode() in dispatches[0].body
    # VIP: the account manager's notice left with the first attempt (confirmed) and again with the retry, under
    # the same message id (CRM's adapter drops the copy) and naming the same work order
    notices = take_all(broker, broker.config.queue("crm"))
    assert len({n.message_id for n in notices}) == 1 and all(work_order_id.encode() in n.body for n in notices)


def test_work_order_ids_follow_the_causing_message_and_the_operators_day() -> None:
    at = datetime(2026, 11, 23, 1, 15, tzinfo=UTC)
    assert new_work_order_id(at, "cs-0001") == new_work_order_id(at, "cs-0001")
    assert new_work_order_id(at, "cs-0001") != new_work_order_id(at, "cs-0002")
    assert new_work_order_id(at, "cs-0001", 1) != new_work_order_id(at, "cs-0001")  # a collision's next draw
    assert new_work_order_id(at) != new_work_order_id(at)  # no key: random


def test_a_retry_after_the_operators_midnight_keeps_the_id_the_first_attempt_drew(tmp_path: Path) -> None:
    """The id's date is the day the hub accepted the complaint (the envelope's), not the attempt's: a retry that
    runs after midnight in Shanghai makes the same work order the first attempt's sends already named."""
    before_midnight = datetime(2026, 11, 23, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai
    clock = ManualClock(before_midnight)
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'wo.db'}", mass_incidents=False),
                           clock=clock)
    config = TopologyConfig(prefix=f"r{uuid.uuid4().hex[:8]}")
    sets = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=config.consumers, command_types=sets.command_types())
    try:
        with open_broker("memory://", config) as broker:
            outbound = BrokerOutbound(broker, table, DocumentValidator(sets), confirm_timeout=2)
            runtime.tiers.remember(TierFacts("13800138000", "VIP_GOLD", "AM-0042", "Li Na"))
            real = broker.publish

            def publish(exchange: str, message: Message, **options: Any) -> Future[None]:
                if message.type == "nsp.NetworkComplaintDispatch" and clock.now() == before_midnight:
                    clock.advance(timedelta(seconds=2))  # the first attempt fails past midnight; the retry runs then
                    future: Future[None] = Future()
                    future.set_exception(TimeoutError("confirm not received"))
                    return future
                return real(exchange, message, **options)

            broker.publish = publish  # type: ignore[method-assign]
            document, message_id = command("CreateWorkOrder.valid-dispatch-at-intake.xml")
            answer = etree.fromstring(run_alone(runtime, broker, outbound, document, message_id, before_midnight))
            assert clock.now() > before_midnight, "the first attempt was to fail past midnight"
            drawn = new_work_order_id(before_midnight.astimezone(ZoneInfo("Asia/Shanghai")), message_id)
            assert answer.findtext(f"{{{WO}}}WorkOrderId") == drawn and drawn.startswith("WO20261123")
            notices = take_all(broker, broker.config.queue("crm"))  # left with the first attempt: it names that id
            assert notices and all(drawn.encode() in n.body for n in notices)
            assert rows(runtime)[0] == [drawn]
    finally:
        runtime.close()
