"""Helpers shared by the worker tests (unit and integration)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

import pytest

from hub.envelope import Envelope
from hub.routing.codec import message_from_envelope
from hub.transport import Broker, DelayTier, Message, TopologyConfig, routing_key

WAIT = 20.0  # seconds before a missing outcome fails a test (never asserted on)


def short_config(tier_ms: tuple[int, ...] = (20, 40, 60), delivery_limit: int = 5) -> TopologyConfig:
    return TopologyConfig(
        prefix=f"w{uuid.uuid4().hex[:10]}",
        consumers=("boss", "crm", "nsp"),
        delay_tiers=tuple(DelayTier(f"t{i}", ms) for i, ms in enumerate(tier_ms)),
        delivery_limit=delivery_limit,
    )


def envelope(command_type: str = "boss.QueryCustomerTier", message_id: str | None = None,
             payload: bytes = b"<QueryCustomerTier><Msisdn>13800138000</Msisdn></QueryCustomerTier>") -> Envelope:
    return Envelope(message_id or uuid.uuid4().hex, command_type, "CS", payload)


def publish(broker: Broker, consumer: str, env: Envelope) -> Message:
    message = message_from_envelope(env, routing_key(consumer, env.command_type))
    broker.publish(broker.config.commands_exchange, message).result(10)
    return message


def wait_until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def take_all(broker: Broker, queue: str) -> list[Message]:
    """Drain ``queue`` (ack everything) and return its messages in order."""
    out: list[Message] = []
    while (delivery := broker.get(queue)) is not None:
        out.append(delivery.message)
        delivery.ack()
    return out


class Effects:
    """A thread-safe record of the effects handlers performed, by message id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[str] = []  # every handler call
        self.done: Counter[str] = Counter()  # committed effects

    def call(self, message_id: str) -> int:
        with self._lock:
            self.calls.append(message_id)
            return self.calls.count(message_id)

    def commit(self, message_id: str) -> None:
        with self._lock:
            self.done[message_id] += 1
