"""The Worker on a real RabbitMQ: ack after commit, retries through real delay tiers, the DLQ, replay."""

from __future__ import annotations

import threading

import pytest

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.store import ProcessedStore
from hub.transport import Broker, Delivery
from hub.workers import (
    BusinessRejection,
    DeadLetterQueues,
    HandlerRegistry,
    RetryPolicy,
    TransientError,
    Worker,
)
from hub.workers import headers as h
from tests.support.processed_keys import key_of
from tests.unit.workers.kit import Effects, envelope, publish, take_all, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]


def handlers_for(effects: Effects, plan: dict[str, list[BaseException]]) -> HandlerRegistry:
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> str:
        effects.call(env.message_id)
        errors = plan.get(env.message_id) or []
        if errors:
            raise errors.pop(0)
        effects.commit(env.message_id)
        return "gold"

    return handlers


def run_worker(broker: Broker, store: ProcessedStore, handlers: HandlerRegistry, metrics: Metrics) -> Worker:
    return Worker(broker, "boss", handlers, store=store, metrics=metrics, policy=RetryPolicy(initial=0.0))


def consumed(metrics: Metrics, outcome: str) -> float:
    return metrics.value("onepoint_messages_consumed_total", consumer="boss", outcome=outcome)


def test_publish_consume_ack(broker: Broker, store: ProcessedStore) -> None:
    effects, metrics = Effects(), Metrics()
    sent = publish(broker, "boss", envelope())
    with run_worker(broker, store, handlers_for(effects, {}), metrics):
        wait_until(lambda: consumed(metrics, "processed") == 1, "the ack")
    assert effects.done[sent.message_id] == 1
    assert store.outcome(key_of("boss", sent)) == "gold"
    # Acked: after the consumer closed nothing came back to the queue.
    assert broker.message_count(broker.config.queue("boss")) == 0


def test_a_transient_failure_is_retried_through_a_tier_then_succeeds(broker: Broker, store: ProcessedStore) -> None:
    effects, metrics = Effects(), Metrics()
    env = envelope()
    plan: dict[str, list[BaseException]] = {env.message_id: [TransientError("BOSS 503")] * 3}
    publish(broker, "boss", env)
    with run_worker(broker, store, handlers_for(effects, plan), metrics):
        wait_until(lambda: consumed(metrics, "processed") == 1, "the success")
    assert effects.calls == [env.message_id] * 4
    assert effects.done[env.message_id] == 1
    assert metrics.value("onepoint_messages_retried_total", consumer="boss", tier="t0") == 1
    assert broker.message_count(broker.config.dead_letter_queue("boss")) == 0


def test_retries_are_bounded_then_dead_lettered(broker: Broker, store: ProcessedStore) -> None:
    effects, metrics = Effects(), Metrics()
    env = envelope()
    plan: dict[str, list[BaseException]] = {env.message_id: [TimeoutError("read timeout")] * 100}
    publish(broker, "boss", env)
    dlq = broker.config.dead_letter_queue("boss")
    with run_worker(broker, store, handlers_for(effects, plan), metrics) as worker:
        wait_until(lambda: broker.message_count(dlq) == 1, "the dead letter")
    [dead] = take_all(broker, dlq)
    assert len(effects.calls) == worker.max_attempts == 12
    assert dead.headers[h.ATTEMPTS] == 12
    assert dead.headers[h.DEAD_KIND] == "exhausted"
    assert dead.headers[h.DEAD_REASON].startswith("retries exhausted after 12 attempts: TimeoutError")


def test_a_permanent_failure_lands_in_the_dlq_with_its_reason(broker: Broker, store: ProcessedStore) -> None:
    effects, metrics = Effects(), Metrics()
    env = envelope()
    plan: dict[str, list[BaseException]] = {env.message_id: [BusinessRejection("work order WO-1 is closed")]}
    sent = publish(broker, "boss", env)
    dlq = broker.config.dead_letter_queue("boss")
    with run_worker(broker, store, handlers_for(effects, plan), metrics):
        wait_until(lambda: broker.message_count(dlq) == 1, "the dead letter")
    [letter] = DeadLetterQueues(broker).browse("boss")
    assert letter.message_id == sent.message_id
    assert letter.reason == "BusinessRejection: work order WO-1 is closed"
    assert letter.attempts == 1
    assert letter.original_routing_key == "boss.boss.QueryCustomerTier"
    assert effects.calls == [env.message_id]
    assert broker.message_count(dlq) == 1  # browsing kept it


def test_replay_from_the_dlq_takes_effect_once(broker: Broker, store: ProcessedStore) -> None:
    effects, metrics = Effects(), Metrics()
    env, other = envelope(), envelope()
    plan: dict[str, list[BaseException]] = {
        env.message_id: [BusinessRejection("BOSS rejected it")],
        other.message_id: [BusinessRejection("also rejected")],
    }
    publish(broker, "boss", env)
    publish(broker, "boss", other)
    dlq = broker.config.dead_letter_queue("boss")
    queues = DeadLetterQueues(broker, metrics=metrics)
    with run_worker(broker, store, handlers_for(effects, plan), metrics):
        wait_until(lambda: broker.message_count(dlq) == 2, "two dead letters")
        report = queues.replay([env.message_id, env.message_id], "boss")
        assert [x.message_id for x in report.replayed] == [env.message_id]
        wait_until(lambda: effects.done[env.message_id] == 1, "the replayed effect")
        # Replaying it again (e.g. a second operator) cannot repeat the effect.
        publish(broker, "boss", env)
        wait_until(lambda: consumed(metrics, "duplicate") == 1, "the duplicate")
    assert effects.done[env.message_id] == 1
    assert [x.message_id for x in queues.browse("boss")] == [other.message_id]
    assert metrics.value("onepoint_messages_replayed_total", consumer="boss") == 1


def test_a_redelivered_message_does_not_repeat_its_effect(broker: Broker, store: ProcessedStore) -> None:
    effects, metrics = Effects(), Metrics()
    worker = run_worker(broker, store, handlers_for(effects, {}), metrics)
    outcomes: list[str] = []
    done = threading.Event()

    def lose_the_first_ack(delivery: Delivery) -> None:
        if not delivery.message.redelivered:
            worker.processor.process(delivery.message)  # effect committed and recorded...
            delivery.nack(requeue=True)  # ...but the ack is lost: RabbitMQ delivers it again
            return
        worker.handle(delivery)
        outcomes.append(str(delivery.settled))
        done.set()

    sent = publish(broker, "boss", envelope())
    with broker.consume(broker.config.queue("boss"), lose_the_first_ack):
        wait_until(done.is_set, "the redelivery")
    assert outcomes == ["Settlement.ACK"]
    assert effects.calls == [sent.message_id]
    assert consumed(metrics, "duplicate") == 1
