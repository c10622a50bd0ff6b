"""Contract (memory:// and RabbitMQ): workers answer requests after recording, and handlers' sends are idempotent."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import ClassVar

import pytest

from hub.envelope import Envelope
from hub.ingress.replies import ReplyRefusal, checked_reply
from hub.observability.metrics import Metrics
from hub.routing.codec import message_from_envelope
from hub.routing.outbound import BrokerOutbound
from hub.routing.table import RoutingTable
from hub.store import MemoryProcessedStore, ProcessedStore, SQLiteProcessedStore
from hub.transport import Broker, DelayTier, Message, TopologyConfig, routing_key
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.parser import ParserLimits
from hub.validation.validator import DocumentValidator
from hub.workers import HandlerRegistry, Reply, RetryPolicy, Sender, TransientError, Worker
from tests.support.answers import recorded_answer
from tests.support.processed_keys import key_of
from tests.support.worker_handlers import UNKNOWN_SUBSCRIBER, example, handlers, tier_query
from tests.unit.workers.kit import wait_until

WAIT = 20.0  # seconds before a missing answer fails a test (never asserted on)


@pytest.fixture
def hub_broker(make_broker: Callable[..., Broker]) -> Broker:
    """Every consumer of the built-in routing table, short delay tiers."""
    return make_broker(TopologyConfig(prefix=f"h{uuid.uuid4().hex[:10]}", consumers=DEFAULT_CONSUMERS,
                                      delay_tiers=(DelayTier("short", 200),), delivery_limit=3))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[ProcessedStore]:
    store = SQLiteProcessedStore(tmp_path / "processed.db")
    yield store
    store.close()


def query(msisdn: str = "13800138000") -> Envelope:
    mid = f"cs-{uuid.uuid4().hex[:16]}"
    return Envelope(mid, "boss.QueryCustomerTier", "CS", tier_query(msisdn, mid))


def ask(broker: Broker, env: Envelope) -> Future[Message]:
    message = message_from_envelope(env, routing_key("boss", env.command_type), for_request=True)
    return broker.request(broker.config.commands_exchange, message, timeout=WAIT)


def boss_worker(broker: Broker, store: ProcessedStore, registry: HandlerRegistry = handlers) -> Worker:
    return Worker(broker, "boss", registry, store=store, dependencies={"effects": Path("unused")})


def test_a_worker_answers_a_request_with_its_handlers_response(
    hub_broker: Broker, sqlite_store: ProcessedStore, registry: CommandSetRegistry
) -> None:
    env = query()
    with boss_worker(hub_broker, sqlite_store):
        reply = ask(hub_broker, env).result(WAIT)
    root = checked_reply(registry.get("boss"), "QueryCustomerTier", reply.body, ParserLimits())
    assert root.findtext("{urn:onepoint:boss:1}Ack/{urn:onepoint:common:1}MessageId") == env.message_id
    assert recorded_answer(sqlite_store.reply(key_of("boss", env))) == reply.body


def test_a_rejection_is_answered_as_c_error(
    hub_broker: Broker, sqlite_store: ProcessedStore, registry: CommandSetRegistry
) -> None:
    with boss_worker(hub_broker, sqlite_store):
        reply = ask(hub_broker, query(UNKNOWN_SUBSCRIBER)).result(WAIT)
    with pytest.raises(ReplyRefusal) as refusal:
        checked_reply(registry.get("boss"), "QueryCustomerTier", reply.body, ParserLimits())
    assert refusal.value.code == "subscriber-not-found"
    assert hub_broker.message_count(hub_broker.config.dead_letter_queue("boss")) == 0


def test_a_request_recorded_before_a_crash_gets_the_recorded_answer_again(
    hub_broker: Broker, sqlite_store: ProcessedStore
) -> None:
    """The state a crash after the record and before the ack leaves: recorded, and the request in the queue."""
    calls: list[str] = []
    counting = HandlerRegistry()

    @counting.handler("boss.QueryCustomerTier")
    def tier(env: Envelope) -> Reply:
        calls.append(env.message_id)
        return Reply(b"<fresh/>")

    env = query()
    sqlite_store.record(key_of("boss", env), "tier sent", reply=b"<recorded/>")
    with boss_worker(hub_broker, sqlite_store, counting):
        reply = ask(hub_broker, env).result(WAIT)
    assert reply.body == b"<recorded/>" and calls == []


def test_a_handler_run_twice_on_one_message_takes_effect_once_downstream(
    hub_broker: Broker, sqlite_store: ProcessedStore, registry: CommandSetRegistry
) -> None:
    """The workflow dispatches to NSP (confirmed), then fails to record it (as a crash would): the retry
    dispatches again with the same message id, and the NSP consumer's store drops the copy. (A handler that
    raises sends nothing: its sends are held until it returns.)"""
    workflow = HandlerRegistry()

    @workflow.handler("workorder.CreateWorkOrder", consumer="workflow")
    def create(env: Envelope, outbound: Sender) -> str:
        outbound.send(example("nsp/NetworkComplaintDispatch.valid.xml"), step="dispatch-nsp")
        return "dispatched"

    class FailsToRecordOnce(MemoryProcessedStore):
        failures: ClassVar[list[Exception]] = [TransientError("failed after the dispatch was confirmed")]

        def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> None:
            if outcome is not None and self.failures:
                super()._finish(message_id, None)
                raise self.failures.pop(0)
            super()._finish(message_id, outcome, reply)

    effects: list[str] = []
    nsp = HandlerRegistry()

    @nsp.handler("nsp.NetworkComplaintDispatch")
    def dispatch(env: Envelope) -> str:
        effects.append(env.message_id)
        return "ticket opened"

    metrics = Metrics()
    table = RoutingTable.load(None, consumers=hub_broker.config.consumers, command_types=registry.command_types())
    outbound = BrokerOutbound(hub_broker, table, DocumentValidator(registry))
    cause = Envelope(f"cs-{uuid.uuid4().hex[:16]}", "workorder.CreateWorkOrder", "CS",
                     example("workorder/CreateWorkOrder.valid.xml"))
    hub_broker.publish(hub_broker.config.commands_exchange,
                       message_from_envelope(cause, routing_key("workflow", cause.command_type))).result(WAIT)

    def settled() -> float:
        return sum(metrics.value("onepoint_messages_consumed_total", consumer="nsp", outcome=o)
                   for o in ("processed", "duplicate"))

    with (Worker(hub_broker, "workflow", workflow, store=FailsToRecordOnce(), outbound=outbound,
                 policy=RetryPolicy(initial=0.0)),
          Worker(hub_broker, "nsp", nsp, store=sqlite_store, metrics=metrics)):
        wait_until(lambda: settled() >= 2, "the dispatch twice at NSP")
    assert len(effects) == 1
    assert metrics.value("onepoint_messages_consumed_total", consumer="nsp", outcome="duplicate") == 1


def test_a_handler_asks_another_consumer_and_a_rerun_gets_the_recorded_answer(
    hub_broker: Broker, sqlite_store: ProcessedStore, registry: CommandSetRegistry
) -> None:
    """The workflow asks BOSS for the tier through ``outbound.request``; run again on the same message it asks
    with the same id, and BOSS answers from its record without running its handler again."""
    calls: list[str] = []
    boss = HandlerRegistry()
    tier_handler = handlers.resolve("boss", "boss.QueryCustomerTier")

    @boss.handler("boss.QueryCustomerTier")
    def tier(env: Envelope) -> Reply:
        calls.append(env.message_id)
        answer: Reply = tier_handler.func(env)
        return answer

    answers: list[bytes] = []
    failures = [TransientError("failed after the answer came")]
    workflow = HandlerRegistry()

    @workflow.handler("workorder.CreateWorkOrder", consumer="workflow")
    def create(env: Envelope, outbound: Sender) -> str:
        answers.append(outbound.request(tier_query(), step="tier"))
        if failures:
            raise failures.pop(0)
        return "tier known"

    table = RoutingTable.load(None, consumers=hub_broker.config.consumers, command_types=registry.command_types())
    outbound = BrokerOutbound(hub_broker, table, DocumentValidator(registry))
    cause = Envelope(f"cs-{uuid.uuid4().hex[:16]}", "workorder.CreateWorkOrder", "CS",
                     example("workorder/CreateWorkOrder.valid.xml"))
    store = MemoryProcessedStore()
    with (Worker(hub_broker, "boss", boss, store=sqlite_store),
          Worker(hub_broker, "workflow", workflow, store=store, outbound=outbound, policy=RetryPolicy(initial=0.0))):
        hub_broker.publish(hub_broker.config.commands_exchange,
                           message_from_envelope(cause, routing_key("workflow", cause.command_type))).result(WAIT)
        wait_until(lambda: store.seen(key_of("workflow", cause)), "the workflow's record")
    assert len(answers) == 2 and answers[0] == answers[1]
    assert b"QueryCustomerTierResponse" in answers[0] and len(calls) == 1
