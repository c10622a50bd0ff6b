"""The Worker on the in-memory broker: settlement, idempotency, retries through tiers, the DLQ."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.store import MemoryProcessedStore, ProcessedStore
from hub.transport import Broker, Delivery, Message, open_broker
from hub.workers import (
    BusinessRejection,
    HandlerContext,
    HandlerRegistry,
    RetryPolicy,
    TransientError,
    Worker,
)
from hub.workers import headers as h
from tests.support.processed_keys import key_of
from tests.unit.workers.kit import Effects, envelope, publish, short_config, take_all, wait_until

pytestmark = pytest.mark.unit


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", short_config()) as b:
        yield b


@pytest.fixture
def store() -> ProcessedStore:
    return MemoryProcessedStore()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


def boss_handlers(effects: Effects, fail: dict[str, list[BaseException]] | None = None) -> HandlerRegistry:
    """``QueryCustomerTier`` raises the queued errors of its message id, then commits its effect."""
    handlers = HandlerRegistry()
    plan = fail if fail is not None else {}

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope, tiers: dict[str, str]) -> str:
        effects.call(env.message_id)
        errors = plan.get(env.message_id) or []
        if errors:
            raise errors.pop(0)
        effects.commit(env.message_id)
        return tiers.get(env.message_id, "gold")

    return handlers


def worker(broker: Broker, handlers: HandlerRegistry, store: ProcessedStore, metrics: Metrics | None = None,
           **kw: object) -> Worker:
    return Worker(broker, "boss", handlers, store=store, dependencies={"tiers": {}}, metrics=metrics,
                  policy=RetryPolicy(initial=0.0), **kw)  # type: ignore[arg-type]


def test_processed_then_acked_and_recorded(broker: Broker, store: ProcessedStore, metrics: Metrics) -> None:
    effects = Effects()
    sent = publish(broker, "boss", envelope())
    with worker(broker, boss_handlers(effects), store, metrics):
        wait_until(lambda: store.seen(key_of("boss", sent)), "the record")
        wait_until(lambda: metrics.value("onepoint_messages_consumed_total", consumer="boss", outcome="processed")
                   == 1, "the ack")
    assert effects.done[sent.message_id] == 1
    assert store.outcome(key_of("boss", sent)) == "gold"
    assert broker.message_count(broker.config.queue("boss")) == 0
    assert broker.message_count(broker.config.dead_letter_queue("boss")) == 0


def test_a_duplicate_publish_takes_effect_once(broker: Broker, store: ProcessedStore, metrics: Metrics) -> None:
    effects = Effects()
    env = envelope()
    publish(broker, "boss", env)
    publish(broker, "boss", env)
    with worker(broker, boss_handlers(effects), store, metrics):
        wait_until(lambda: metrics.value("onepoint_messages_consumed_total", consumer="boss", outcome="duplicate")
                   == 1, "the duplicate")
    assert effects.calls == [env.message_id]
    assert effects.done[env.message_id] == 1


def test_a_redelivery_after_a_lost_ack_does_not_repeat_the_effect(broker: Broker, store: ProcessedStore) -> None:
    effects = Effects()
    w = worker(broker, boss_handlers(effects), store)
    settled: list[str] = []

    def crash_before_the_first_ack(delivery: Delivery) -> None:
        if not delivery.message.redelivered:
            w.processor.process(delivery.message)  # the effect commits and is recorded...
            delivery.nack(requeue=True)  # ...then the process "dies" before acking: the broker redelivers
            return
        w.handle(delivery)
        settled.append(str(delivery.settled))

    sent = publish(broker, "boss", envelope())
    with broker.consume(broker.config.queue("boss"), crash_before_the_first_ack):
        wait_until(lambda: bool(settled), "the redelivery")
    assert settled == ["Settlement.ACK"]
    assert effects.calls == [sent.message_id]


def test_transient_failures_are_retried_through_a_tier_then_succeed(
    broker: Broker, store: ProcessedStore, metrics: Metrics
) -> None:
    effects = Effects()
    env = envelope()
    # 3 in-process attempts fail, the first after the tier fails too, the second succeeds.
    plan: dict[str, list[BaseException]] = {env.message_id: [TransientError("down")] * 4}
    publish(broker, "boss", env)
    with worker(broker, boss_handlers(effects, plan), store, metrics):
        wait_until(lambda: effects.done[env.message_id] == 1, "the success")
        wait_until(lambda: metrics.value("onepoint_messages_consumed_total", consumer="boss", outcome="processed")
                   == 1, "the ack")
    assert len(effects.calls) == 5
    assert metrics.value("onepoint_messages_retried_total", consumer="boss", tier="t0") == 1
    assert metrics.value("onepoint_messages_retried_total", consumer="boss", tier="in-process") == 3
    assert broker.message_count(broker.config.dead_letter_queue("boss")) == 0


def test_a_permanent_failure_is_dead_lettered_at_once_with_its_reason(
    broker: Broker, store: ProcessedStore, metrics: Metrics
) -> None:
    effects = Effects()
    env = envelope()
    plan: dict[str, list[BaseException]] = {env.message_id: [BusinessRejection("subscriber 13912345678 closed")]}
    sent = publish(broker, "boss", env)
    config = broker.config
    with worker(broker, boss_handlers(effects, plan), store, metrics):
        wait_until(lambda: broker.message_count(config.dead_letter_queue("boss")) == 1, "the dead letter")
    [dead] = take_all(broker, config.dead_letter_queue("boss"))
    assert effects.calls == [env.message_id]
    assert (dead.message_id, dead.body, dead.type) == (sent.message_id, sent.body, sent.type)
    assert dead.headers[h.DEAD_REASON] == "BusinessRejection: subscriber 139****5678 closed"
    assert dead.headers[h.DEAD_KIND] == "permanent"
    assert dead.headers[h.ATTEMPTS] == 1
    assert dead.headers[h.FIRST_FAILURE] == dead.headers[h.LAST_FAILURE]
    assert dead.headers[h.ORIGINAL_ROUTING_KEY] == "boss.boss.QueryCustomerTier"
    assert dead.headers[h.ORIGINAL_EXCHANGE] == config.commands_exchange
    assert not store.seen(key_of("boss", sent))
    assert metrics.value("onepoint_messages_dead_lettered_total", consumer="boss", kind="permanent") == 1
    assert broker.message_count(config.queue("boss")) == 0


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (lambda m: replace(m, type="boss.NoSuchCommand"), "no handler for 'boss.NoSuchCommand'"),
        (lambda m: replace(m, type=None), "undecodable envelope"),
    ],
    ids=["unknown-command", "no-envelope"],
)
def test_unknown_and_undecodable_commands_are_dead_lettered(
    broker: Broker, store: ProcessedStore, message, reason: str
) -> None:
    effects = Effects()
    env = envelope()
    from hub.routing.codec import message_from_envelope

    bad: Message = message(message_from_envelope(env, "boss.boss.QueryCustomerTier"))
    broker.publish(broker.config.commands_exchange, bad).result(10)
    with worker(broker, boss_handlers(effects), store):
        wait_until(lambda: broker.message_count(broker.config.dead_letter_queue("boss")) == 1, "the dead letter")
    [dead] = take_all(broker, broker.config.dead_letter_queue("boss"))
    assert reason in dead.headers[h.DEAD_REASON]
    assert effects.calls == []


def test_a_claim_held_elsewhere_defers_without_spending_a_retry(broker: Broker, store: ProcessedStore) -> None:
    effects = Effects()
    env = envelope()
    seen_retry_counts: list[int] = []
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(e: Envelope, context: HandlerContext) -> None:
        seen_retry_counts.append(context.message.retry_count)
        effects.commit(e.message_id)

    w = worker(broker, handlers, store)
    bounced = threading.Event()
    original_handle = w.handle

    def watch(delivery: Delivery) -> None:
        if delivery.message.death_reason == "expired":
            bounced.set()
        original_handle(delivery)

    with store.claim(key_of("boss", env)):  # another worker is processing the same id
        publish(broker, "boss", env)
        with broker.consume(broker.config.queue("boss"), watch):
            wait_until(bounced.is_set, "a return from the first tier")
            assert effects.done[env.message_id] == 0
        # the other worker gives up (its claim is released without a record)
    with w:
        wait_until(lambda: effects.done[env.message_id] == 1, "the effect")
    assert seen_retry_counts == [0]


def test_handlers_get_their_dependencies_and_context(broker: Broker, store: ProcessedStore) -> None:
    got: list[tuple[str, int, str]] = []
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope, boss_client: str, context: HandlerContext, message: Message) -> str:
        got.append((boss_client, context.attempt, message.message_id))
        if context.attempt < 2:
            raise TimeoutError
        return "silver"

    env = envelope()
    with Worker(broker, "boss", handlers, store=store, dependencies={"boss_client": "client-1"},
                policy=RetryPolicy(initial=0.0)):
        publish(broker, "boss", env)
        wait_until(lambda: store.seen(key_of("boss", env)), "the record")
    assert got == [("client-1", 1, env.message_id), ("client-1", 2, env.message_id)]
    assert store.outcome(key_of("boss", env)) == "silver"


def test_missing_dependencies_fail_when_the_worker_is_built(broker: Broker, store: ProcessedStore) -> None:
    handlers = HandlerRegistry()
    handlers.add("boss.QueryCustomerTier", lambda env, boss_client: None)
    with pytest.raises(LookupError, match="boss_client"):
        Worker(broker, "boss", handlers, store=store)
    with pytest.raises(ValueError, match="unknown consumer"):
        Worker(broker, "oa", handlers, store=store, dependencies={"boss_client": 1})


def test_a_copy_that_cannot_be_published_leaves_the_original_in_the_queue(
    broker: Broker, store: ProcessedStore, metrics: Metrics
) -> None:
    effects = Effects()
    env = envelope()
    plan: dict[str, list[BaseException]] = {env.message_id: [BusinessRejection("no")] * 100}
    w = worker(broker, boss_handlers(effects, plan), store, metrics)
    broker.purge(broker.config.dead_letter_queue("boss"))
    publish(broker, "boss", env)
    def publish_fails_on_dlx(exchange: str, message: Message, *, mandatory: bool = True):
        if exchange == broker.config.dead_letter_exchange:
            from concurrent.futures import Future

            future: Future[None] = Future()
            future.set_exception(RuntimeError("nacked"))
            return future
        return type(broker).publish(broker, exchange, message, mandatory=mandatory)

    broker.publish = publish_fails_on_dlx  # type: ignore[method-assign]
    got: list[Delivery] = []
    box = threading.Event()

    def once(delivery: Delivery) -> None:
        w.handle(delivery)
        got.append(delivery)
        box.set()

    consumer = broker.consume(broker.config.queue("boss"), once)
    wait_until(box.is_set, "the first delivery")
    consumer.close()
    assert str(got[0].settled) == "Settlement.REQUEUE"
    assert metrics.value("onepoint_messages_consumed_total", consumer="boss", outcome="requeued") >= 1
    # Never acked: still in its queue, or (requeued past the delivery limit) dead-lettered by the broker.
    config = broker.config
    assert broker.message_count(config.queue("boss")) + broker.message_count(config.dead_letter_queue("boss")) == 1
