"""A message put on a consumer queue by hand with a counter header that is not a number (``x-onepoint-attempts:
"twelve"``, ``x-retry-count: "x"``) is handled: the counter is taken as unknown (0) with a WARNING naming it, never
an ``int()`` crash that requeues it until the broker's delivery limit dead-letters it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from hub.envelope import Envelope
from hub.routing.codec import message_from_envelope
from hub.store import MemoryProcessedStore
from hub.transport import Broker, Message, open_broker
from hub.workers import HandlerRegistry, PermanentError, RetryPolicy, Worker
from hub.workers import headers as h
from hub.workers.dlq import DeadLetterQueues
from tests.unit.workers.kit import Effects, envelope, short_config, wait_until

pytestmark = pytest.mark.unit

ODD_COUNTERS = {h.ATTEMPTS: "twelve", h.RETRY_COUNT: "x", h.WAITS: b"\xff"}


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", short_config()) as b:
        yield b


def publish_odd(broker: Broker, env: Envelope) -> None:
    message = message_from_envelope(env, f"boss.{env.command_type}")
    message = message.with_headers(**ODD_COUNTERS)
    broker.publish(broker.config.commands_exchange, message).result(10)


def test_unreadable_counters_read_as_zero_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    message = Message(b"<x/>", headers=ODD_COUNTERS)
    with caplog.at_level(logging.WARNING):
        assert (h.attempts_so_far(message), message.retry_count, h.waits_so_far(message)) == (0, 0, 0)
    named = {getattr(r, "header", None) for r in caplog.records if r.levelno == logging.WARNING}
    assert named == {h.ATTEMPTS, h.RETRY_COUNT, h.WAITS}
    assert h.attempts_so_far(Message(b"", headers={h.ATTEMPTS: "3"})) == 3


def test_a_message_with_unreadable_counters_reaches_its_handler(broker: Broker) -> None:
    effects = Effects()
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> None:
        effects.call(env.message_id)
        effects.commit(env.message_id)

    env = envelope()
    with Worker(broker, "boss", handlers, store=MemoryProcessedStore(), policy=RetryPolicy(initial=0.0)):
        publish_odd(broker, env)
        wait_until(lambda: effects.done.get(env.message_id) == 1, "the handler")
    assert effects.done == {env.message_id: 1}


def test_a_failing_message_with_unreadable_counters_is_dead_lettered_with_its_reason(broker: Broker) -> None:
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> None:
        raise PermanentError("subscriber unknown")

    env = envelope()
    dlq = broker.config.dead_letter_queue("boss")
    with Worker(broker, "boss", handlers, store=MemoryProcessedStore(), policy=RetryPolicy(initial=0.0)):
        publish_odd(broker, env)
        wait_until(lambda: broker.message_count(dlq) == 1, "the dead letter")
    [letter] = DeadLetterQueues(broker).browse("boss")
    assert letter.reason == "PermanentError: subscriber unknown" and letter.attempts == 1
