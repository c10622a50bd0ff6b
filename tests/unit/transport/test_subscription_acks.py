"""How a subscription turns settlements into AMQP frames: coalesced acks, nothing held back (no broker)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest

from hub.transport.amqp.subscription import Subscription
from hub.transport.consumer import Consumer
from hub.transport.message import Message, Settlement


class FakeIO:
    def __init__(self) -> None:
        self.queued: list[Callable[[], None]] = []

    def call_soon(self, fn: Callable[[], None]) -> None:
        self.queued.append(fn)

    def run(self) -> None:
        queued, self.queued = self.queued, []
        for fn in queued:
            fn()


class FakeChannel:
    is_open = True

    def __init__(self) -> None:
        self.frames: list[tuple[Any, ...]] = []

    def basic_ack(self, tag: int, multiple: bool = False) -> None:
        self.frames.append(("ack", tag, multiple))

    def basic_nack(self, tag: int, requeue: bool = True) -> None:
        self.frames.append(("nack", tag, requeue))

    def basic_reject(self, tag: int, requeue: bool = True) -> None:
        self.frames.append(("reject", tag, requeue))


def _no_retry(message: Message, tier: str) -> Future[None]:
    raise AssertionError("not used")


@pytest.fixture
def sub() -> Any:
    io = FakeIO()
    def make(name: str, threads: int, stop: Callable[[], None], release: Callable[[], None]) -> Consumer:
        return Consumer(name, lambda d: None, threads, stop, release)

    subscription = Subscription(io, "q", make, 10, 1, _no_retry, lambda s: None)  # type: ignore[arg-type]
    channel = FakeChannel()
    subscription._set_channel(channel)
    subscription._outstanding.extend(range(1, 7))
    yield subscription, io, channel
    subscription.consumer._closed = True  # stop its worker thread without a broker
    subscription.consumer._inbox.put(None)


def settle(subscription: Subscription, channel: FakeChannel, *pairs: tuple[int, Settlement]) -> None:
    for tag, how in pairs:
        subscription._settle_threadsafe(channel, tag, how)


def test_a_burst_of_in_order_acks_leaves_as_one_multiple_ack(sub: Any) -> None:
    subscription, io, channel = sub
    settle(subscription, channel, (1, Settlement.ACK), (2, Settlement.ACK), (3, Settlement.ACK))
    assert len(io.queued) == 1  # one I/O-thread call for the burst
    io.run()
    assert channel.frames == [("ack", 3, True)]
    assert list(subscription._outstanding) == [4, 5, 6]


def test_an_ack_behind_an_unsettled_delivery_is_sent_at_once(sub: Any) -> None:
    subscription, io, channel = sub
    settle(subscription, channel, (2, Settlement.ACK), (3, Settlement.ACK))
    io.run()
    assert channel.frames == [("ack", 2, False), ("ack", 3, False)]
    settle(subscription, channel, (1, Settlement.ACK))
    io.run()
    assert channel.frames[-1] == ("ack", 1, True)  # covers 1 only: 2 and 3 are no longer outstanding
    assert list(subscription._outstanding) == [4, 5, 6]


def test_nacks_and_rejects_go_alone_and_acks_coalesce_past_them(sub: Any) -> None:
    subscription, io, channel = sub
    settle(subscription, channel, (1, Settlement.REQUEUE), (2, Settlement.DISCARD), (3, Settlement.ACK),
           (4, Settlement.ACK))
    io.run()
    assert channel.frames == [("nack", 1, True), ("reject", 2, False), ("ack", 4, True)]
    assert list(subscription._outstanding) == [5, 6]


def test_settlements_of_an_old_channel_are_dropped(sub: Any) -> None:
    subscription, io, channel = sub
    subscription._set_channel(FakeChannel())  # reconnected: the old channel's deliveries come back anyway
    settle(subscription, channel, (1, Settlement.ACK))
    io.run()
    assert channel.frames == []
