"""The worker's batch mode (``hub.workers.batch``) on the in-memory broker with the workflow's store and handlers:
one transaction per batch, and each message's guarantees as on the single-message path."""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import event, select

from hub.config.workflow import WorkflowSettings
from hub.envelope import Envelope
from hub.routing.codec import envelope_from_message, message_from_envelope
from hub.routing.outbound import BrokerOutbound, Sender
from hub.routing.table import RoutingTable
from hub.transport import Broker, Delivery, Message, TopologyConfig, open_broker, routing_key
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import HandlerRegistry, PermanentError, Reply, TransientError, Worker
from hub.workflow import wiring
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store import WorkOrderProcessedStore
from hub.workflow.store.schema import work_order_history, work_orders
from hub.workflow.tiers import TierFacts
from tests.support.answers import recorded_answer
from tests.support.processed_keys import key_of
from tests.unit.workers.kit import take_all, wait_until
from tests.unit.workflow.kit import START, WO, command, envelope

pytestmark = pytest.mark.unit

DISPATCH_AT_INTAKE = "CreateWorkOrder.valid-dispatch-at-intake.xml"


@dataclass
class Faults:
    """Which messages the wrapped CreateWorkOrder fails *after* the real handler made its changes and sends."""

    poison: set[str] = field(default_factory=set)  # PermanentError every time
    flaky: set[str] = field(default_factory=set)  # TransientError once
    broken_sql: set[str] = field(default_factory=set)  # a statement the database refuses, once
    runs: list[str] = field(default_factory=list)


def faulty_handlers(faults: Faults) -> HandlerRegistry:
    real = wiring.handlers.resolve(wiring.CONSUMER, "workorder.CreateWorkOrder")
    registry = HandlerRegistry()

    @registry.handler("workorder.CreateWorkOrder", consumer=wiring.CONSUMER)
    def create(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> Reply:
        faults.runs.append(envelope.message_id)
        result: Reply = real.func(envelope, workflow=workflow, outbound=outbound)
        if envelope.message_id in faults.poison:
            raise PermanentError("poison: this work order cannot be")
        if envelope.message_id in faults.flaky:
            faults.flaky.discard(envelope.message_id)
            raise TransientError("flaky: try again")
        if envelope.message_id in faults.broken_sql:
            faults.broken_sql.discard(envelope.message_id)
            workflow.store.current_transaction().db.exec_driver_sql("SELECT no_such_column FROM work_orders")
        return result

    return registry


@dataclass
class Kit:
    broker: Broker
    runtime: WorkflowRuntime
    store: WorkOrderProcessedStore
    outbound: BrokerOutbound
    faults: Faults
    commits: list[int]

    def worker(self, broker: Any = None, **options: Any) -> Worker:
        # a batch's share of a transaction is cut at its time budget (2 s): on a loaded machine (PostgreSQL, a CI
        # run beside other work) three handlers took longer, and the tests counting commits saw a third
        options.setdefault("batch_budget", 60.0)
        return Worker(broker or self.broker, wiring.CONSUMER, faulty_handlers(self.faults), store=self.store,
                      dependencies={"workflow": self.runtime}, outbound=self.outbound, **options)

    def request(self, env: Envelope) -> Future[Message]:
        message = message_from_envelope(env, routing_key(wiring.CONSUMER, env.command_type), for_request=True)
        return self.broker.request(self.broker.config.commands_exchange, message, timeout=15)

    def waiting(self, count: int) -> list[Delivery]:
        queue = self.broker.config.queue(wiring.CONSUMER)
        deliveries = [self.broker.get(queue) for _ in range(count)]
        assert all(d is not None for d in deliveries)
        return [d for d in deliveries if d is not None]

    def work_orders(self) -> int:
        with self.runtime.store.engine.connect() as db:
            return len(db.execute(select(work_orders.c.id)).all())


def settings(database: str) -> WorkflowSettings:
    """The mass-complaint rule off: these tests send one phenomenon many times and look at batches, not incidents."""
    return WorkflowSettings(database=database, mass_incidents=False)


@pytest.fixture
def batch_runtime(tmp_path: Path) -> Iterator[WorkflowRuntime]:
    opened = open_runtime(settings(f"sqlite:///{tmp_path / 'workorders.db'}"), clock=ManualClock(START))
    yield opened
    opened.close()


@pytest.fixture
def kit(batch_runtime: WorkflowRuntime) -> Iterator[Kit]:
    config = TopologyConfig(prefix=f"b{uuid.uuid4().hex[:10]}")
    runtime = batch_runtime
    runtime.tiers.remember(TierFacts("13800138000", "VIP_GOLD"))
    commits: list[int] = []
    event.listen(runtime.store.engine, "commit", lambda _connection: commits.append(1))
    sets = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=config.consumers, command_types=sets.command_types())
    with open_broker("memory://", config) as broker:
        outbound = BrokerOutbound(broker, table, DocumentValidator(sets), confirm_timeout=5)
        yield Kit(broker, runtime, WorkOrderProcessedStore(runtime.store, max_batch=8), outbound, Faults(), commits)


_NUMBERS = itertools.count()


def create(**replace: str) -> Envelope:
    """A complaint dispatched at intake; each of its own number unless ``Msisdn`` is given (a second complaint of
    one number and phenomenon repeats the first, which NSP holds: not dispatched again)."""
    return envelope(*command(DISPATCH_AT_INTAKE, **{"Msisdn": f"1380099{next(_NUMBERS) % 10000:04d}", **replace}))


def state(reply: Message) -> str | None:
    return etree.fromstring(reply.body).findtext(f"{{{WO}}}State")


def causes(messages: list[Message]) -> list[str]:
    """The ids of the messages whose handling sent ``messages`` (the envelope's ``caused-by``)."""
    return sorted(envelope_from_message(m).headers["caused-by"] for m in messages)


def test_one_batch_one_commit_and_each_message_settled_as_alone(kit: Kit) -> None:
    """ok, a duplicate of an answered request, a business rejection, a poison message, a transient failure."""
    ok, known, rejected, poison, flaky = create(), create(), create(CategoryCode="99.99.99"), create(), create()
    worker = kit.worker()
    assert worker.max_batch == 8
    first = kit.request(known)
    worker.handle_batch(kit.waiting(1))  # a batch of one: the single-message path
    answered_before = first.result(5).body
    kit.faults.poison.add(poison.message_id)
    kit.faults.flaky.add(flaky.message_id)
    futures = [kit.request(env) for env in (ok, known, rejected, poison, flaky)]
    kit.commits.clear()

    worker.handle_batch(kit.waiting(5))

    assert kit.commits == [1, 1]  # the batch's, then the transient failure's own on the single path
    assert state(futures[0].result(5)) == "DISPATCHED"
    assert futures[1].result(5).body == answered_before  # the duplicate: answered again from the record
    refusal = etree.fromstring(futures[2].result(5).body)
    assert refusal.findtext("{urn:onepoint:common:1}Code") == "unknown-category"
    assert state(futures[4].result(5)) == "DISPATCHED"  # retried on the single path
    dead = etree.fromstring(futures[3].result(5).body)  # dead-lettered: its requester told so at once
    assert dead.findtext("{urn:onepoint:common:1}Code") == "dead-lettered"
    assert kit.faults.runs.count(known.message_id) == 1  # not run again as a duplicate
    assert kit.faults.runs.count(poison.message_id) == 1  # settled from the batch's attempt
    assert kit.faults.runs.count(flaky.message_id) == 2
    config = kit.broker.config
    [dead] = take_all(kit.broker, config.dead_letter_queue(wiring.CONSUMER))
    assert dead.message_id == poison.message_id and "poison" in str(dead.headers["x-onepoint-dead-reason"])
    assert kit.broker.message_count(config.queue(wiring.CONSUMER)) == 0
    assert causes(take_all(kit.broker, config.queue("nsp"))) == sorted(
        env.message_id for env in (known, ok, flaky))  # once each; the poison's send never left
    assert kit.work_orders() == 3  # known, ok, flaky: the poison's rows undone, the rejection wrote none
    assert recorded_answer(kit.store.reply(key_of(wiring.CONSUMER, ok))) == futures[0].result(5).body
    assert kit.store.outcome(key_of(wiring.CONSUMER, rejected)) == "rejected: unknown-category"
    assert not kit.store.seen(key_of(wiring.CONSUMER, poison))


def test_in_a_batch_a_message_id_reused_for_another_complaint_is_refused(kit: Kit) -> None:
    """A second customer's CreateWorkOrder under the first one's message id: refused (message-id-reused), not
    given the first customer's work order; the same request again gets its recorded answer."""
    first, other = create(), create(Msisdn="13900139000")
    reused = Envelope(first.message_id, other.command_type, other.source_system, other.payload)
    worker = kit.worker()
    answered = kit.request(first)
    worker.handle_batch(kit.waiting(1))
    futures = [kit.request(env) for env in (reused, first)]
    worker.handle_batch(kit.waiting(2))
    refusal = etree.fromstring(futures[0].result(5).body)
    assert refusal.findtext("{urn:onepoint:common:1}Code") == "message-id-reused"
    assert futures[1].result(5).body == answered.result(5).body
    assert kit.work_orders() == 1 and kit.faults.runs.count(first.message_id) == 1


def test_in_a_batch_a_command_reusing_another_commands_id_is_dead_lettered(kit: Kit) -> None:
    first, other, fresh, later = create(), create(Msisdn="13900139000"), create(), create()
    reused = Envelope(first.message_id, other.command_type, other.source_system, other.payload)
    exchange = kit.broker.config.commands_exchange

    def publish(env: Envelope) -> None:
        kit.broker.publish(exchange, message_from_envelope(env, routing_key(wiring.CONSUMER, env.command_type)))

    worker = kit.worker()
    for env in (first, fresh):
        publish(env)
    worker.handle_batch(kit.waiting(2))
    for env in (reused, later):
        publish(env)
    worker.handle_batch(kit.waiting(2))
    [dead] = take_all(kit.broker, kit.broker.config.dead_letter_queue(wiring.CONSUMER))
    assert dead.message_id == first.message_id
    assert "message-id-reused" in str(dead.headers["x-onepoint-dead-reason"])
    assert kit.work_orders() == 3  # first, fresh, later: the reused one was not carried out


def test_each_history_row_names_the_message_of_its_batch(kit: Kit) -> None:
    envs = [create() for _ in range(3)]
    futures = [kit.request(env) for env in envs]
    kit.worker().handle_batch(kit.waiting(3))
    assert all(state(f.result(5)) == "DISPATCHED" for f in futures)
    with kit.runtime.store.engine.connect() as db:
        named = {str(row[0]) for row in db.execute(select(work_order_history.c.message_id))}
    assert named == {env.message_id for env in envs}


def test_each_message_of_a_batch_leaves_its_own_log_line(kit: Kit, caplog: pytest.LogCaptureFixture) -> None:
    """The trace of one message reads the same whether it was handled alone or in a batch."""
    envs = [create() for _ in range(3)]
    kit.request(envs[0])
    kit.worker().handle_batch(kit.waiting(1))
    for env in envs:
        kit.request(env)
    caplog.set_level(logging.INFO, logger="onepoint.worker")
    kit.worker().handle_batch(kit.waiting(3))
    lines = {(r.getMessage(), getattr(r, "message_id", None)) for r in caplog.records if r.name == "onepoint.worker"}
    assert ("duplicate message: effect skipped", envs[0].message_id) in lines
    assert {("message processed", env.message_id) for env in envs[1:]} <= lines
    processed = [r for r in caplog.records if r.getMessage() == "message processed"]
    assert all(r.__dict__["command_type"] == "workorder.CreateWorkOrder" and r.__dict__["outcome"] for r in processed)


def test_a_statement_the_database_refuses_undoes_only_its_message(kit: Kit) -> None:
    """The savepoint recovers the transaction (on PostgreSQL an error aborts it until ROLLBACK TO SAVEPOINT)."""
    envs = [create() for _ in range(3)]
    kit.faults.broken_sql.add(envs[1].message_id)
    futures = [kit.request(env) for env in envs]
    kit.commits.clear()
    kit.worker().handle_batch(kit.waiting(3))
    assert all(state(f.result(5)) == "DISPATCHED" for f in futures)
    assert len(kit.commits) == 2  # the batch's (two work orders), then the refused one's on the single path
    assert kit.work_orders() == 3 and kit.faults.runs.count(envs[1].message_id) == 2


class UnconfirmedDispatch:
    """A broker whose first publish to the NSP queue is never confirmed (a broker nack)."""

    def __init__(self, broker: Broker) -> None:
        self._broker, self.refused = broker, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._broker, name)

    def publish(self, exchange: str, message: Message, **options: Any) -> Future[None]:
        if not self.refused and message.type == "nsp.NetworkComplaintDispatch":
            self.refused += 1
            failed: Future[None] = Future()
            failed.set_exception(ConnectionError("nacked"))
            return failed
        return self._broker.publish(exchange, message, **options)


def test_a_missing_confirm_undoes_the_batch_and_each_message_goes_alone(kit: Kit) -> None:
    flaky_broker = UnconfirmedDispatch(kit.broker)
    kit.outbound = BrokerOutbound(flaky_broker, kit.outbound.table, kit.outbound.validator,  # type: ignore[arg-type]
                                  confirm_timeout=5)
    envs = [create() for _ in range(3)]
    futures = [kit.request(env) for env in envs]
    kit.commits.clear()
    kit.worker().handle_batch(kit.waiting(3))
    assert flaky_broker.refused == 1
    assert all(state(f.result(5)) == "DISPATCHED" for f in futures)
    assert len(kit.commits) == 3  # the batch rolled back; one commit per message on the single path
    assert kit.work_orders() == 3
    sent = take_all(kit.broker, kit.broker.config.queue("nsp"))
    assert set(causes(sent)) == {env.message_id for env in envs}
    assert len({m.message_id for m in sent}) == 3  # a dispatch sent twice carries the same id both times


def test_a_worker_stopping_returns_what_its_batch_has_not_begun(kit: Kit) -> None:
    """A stop that comes while a batch fails to commit (a broker that blocks publishing: each message alone then
    waits for its confirm, then its retry copy's) returns the messages not begun to the queue instead of handling
    each alone first: before, a stop took minutes (the audit: 354 s for five complaints)."""
    worker = kit.worker()

    class StopMeanwhile(UnconfirmedDispatch):
        def publish(self, exchange: str, message: Message, **options: Any) -> Future[None]:
            if message.type == "nsp.NetworkComplaintDispatch":
                worker.stop()  # SIGTERM while the batch's dispatch waits for its confirm
            return super().publish(exchange, message, **options)

    kit.outbound = BrokerOutbound(StopMeanwhile(kit.broker), kit.outbound.table,  # type: ignore[arg-type]
                                  kit.outbound.validator, confirm_timeout=5)
    worker.processor.outbound = kit.outbound
    envs = [create() for _ in range(3)]
    for env in envs:
        kit.request(env)
    kit.commits.clear()
    worker.handle_batch(kit.waiting(3))
    assert kit.commits == [] and kit.work_orders() == 0  # nothing done alone after the stop
    assert kit.broker.message_count(kit.broker.config.queue(wiring.CONSUMER)) == 3  # back in the queue


def test_the_worker_consumes_in_batches_and_answers_every_request(kit: Kit) -> None:
    envs = [create() for _ in range(20)]
    with kit.worker(prefetch=4):
        futures = [kit.request(env) for env in envs]
        wait_until(lambda: all(f.done() for f in futures), "every answer")
    assert all(state(f.result(0)) == "DISPATCHED" for f in futures)
    assert kit.work_orders() == 20
    assert len(take_all(kit.broker, kit.broker.config.queue("nsp"))) == 20


def test_a_store_without_batches_or_max_batch_one_keeps_the_single_path(kit: Kit) -> None:
    assert kit.worker(max_batch=1).max_batch == 1
    alone = WorkOrderProcessedStore(kit.runtime.store)
    worker = Worker(kit.broker, wiring.CONSUMER, faulty_handlers(kit.faults), store=alone,
                    dependencies={"workflow": kit.runtime}, outbound=kit.outbound)
    assert worker.max_batch == 1
    envs = [create() for _ in range(2)]
    futures = [kit.request(env) for env in envs]
    kit.commits.clear()
    worker.handle_batch(kit.waiting(2))
    assert all(state(f.result(5)) == "DISPATCHED" for f in futures) and len(kit.commits) == 2


def test_the_workflow_wiring_gives_the_configured_batch(tmp_path: Path) -> None:
    from dataclasses import replace

    from hub.config import HubSettings

    settings = replace(HubSettings(), workflow=WorkflowSettings(database=f"sqlite:///{tmp_path / 'w.db'}",
                                                                worker_batch=12))
    deps = wiring.dependencies(settings)
    try:
        assert wiring.processed_store(deps).max_batch == 12  # type: ignore[attr-defined]
    finally:
        wiring.close(deps)


def test_worker_batch_is_a_positive_workflow_setting() -> None:
    from hub.config.workflow import parse_workflow

    assert parse_workflow({}, "built-in defaults").worker_batch == 32
    assert parse_workflow({"worker_batch": 1}, "hub.toml").worker_batch == 1
    with pytest.raises(ValueError, match="worker_batch"):
        parse_workflow({"worker_batch": 0}, "hub.toml")


def test_a_batch_waiting_for_a_slow_system_answers_its_first_messages_before_the_last_is_run(kit: Kit) -> None:
    """BOSS answers each tier lookup in 0.3 s; with a time budget of 0.5 s per transaction, eight new customers'
    complaints are committed and answered a few at a time, not all after the whole batch (which, at the default
    32 and a slow BOSS, outlasted the callers' reply timeout)."""
    tier_answer = (Path(__file__).parents[3] / "schemas" / "examples" / "boss" / "responses"
                   / "QueryCustomerTierResponse.xml").read_bytes()
    futures: list[Future[Message]] = []
    answered_when_asked: list[int] = []

    def boss(delivery: Delivery) -> None:
        answered_when_asked.append(sum(f.done() for f in futures))
        time.sleep(0.3)
        kit.broker.reply(delivery.message, tier_answer, content_type="application/xml").result(5)
        delivery.ack()

    lookups = kit.broker.consume(kit.broker.config.queue("boss"), boss)
    try:
        futures += [kit.request(create(Msisdn=f"1390013900{n}")) for n in range(8)]
        kit.worker(batch_budget=0.5).handle_batch(kit.waiting(8))
        assert all(state(f.result(5)) == "DISPATCHED" for f in futures)
    finally:
        lookups.close()
    assert kit.work_orders() == 8 and len(answered_when_asked) == 8
    assert answered_when_asked[-1] >= 2  # the first ones were answered while the batch still ran
    assert len(kit.commits) >= 3
