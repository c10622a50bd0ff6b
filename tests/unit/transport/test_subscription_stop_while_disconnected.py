"""Closing a RabbitMQ consumer while the connection is lost does not wait for a reconnect (audit item 10: with
RabbitMQ down `onepoint serve` waited 20 s per consumer on control-call timeouts): its cancel and close are
queued for the next connect and the close returns at once; connected, they run on the I/O thread and are waited
for."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest

from hub.transport.amqp.subscription import Subscription
from hub.transport.consumer import Consumer
from hub.transport.message import Message

pytestmark = pytest.mark.unit


class FakeIO:
    def __init__(self, connected: bool) -> None:
        self.connected = connected
        self.connection = None
        self.queued: list[Callable[[], None]] = []
        self.waited: list[Callable[[], Any]] = []

    def call_soon(self, fn: Callable[[], None]) -> None:
        self.queued.append(fn)

    def call(self, fn: Callable[[], Any], timeout: float = 10.0) -> Any:
        if not self.connected:  # what the real one does: nothing runs the call until a reconnect
            raise TimeoutError(f"waited {timeout} s")
        self.waited.append(fn)
        return fn()


def _no_retry(message: Message, tier: str) -> Future[None]:
    raise AssertionError("not used")


def subscription(io: FakeIO, closed: list[Subscription]) -> Subscription:
    def make(name: str, threads: int, stop: Callable[[], None], release: Callable[[], None]) -> Consumer:
        return Consumer(name, lambda d: None, threads, stop, release)

    return Subscription(io, "q", make, 10, 2, _no_retry, closed.append)  # type: ignore[arg-type]


def test_a_consumer_closed_while_the_connection_is_lost_queues_its_control_calls(
    caplog: pytest.LogCaptureFixture,
) -> None:
    io, closed = FakeIO(connected=False), []
    sub = subscription(io, closed)
    sub.consumer.close()
    assert closed == [sub] and io.waited == []
    assert len(io.queued) == 2  # cancel, then close: run at the next connect, if one comes
    assert not any("control call failed" in r.getMessage() for r in caplog.records)
    for fn in io.queued:
        fn()
    assert sub._active is False


def test_a_connected_consumer_waits_for_its_control_calls() -> None:
    io, closed = FakeIO(connected=True), []
    sub = subscription(io, closed)
    sub.consumer.close()
    assert closed == [sub] and len(io.waited) == 2 and io.queued == []
    assert sub._active is False
