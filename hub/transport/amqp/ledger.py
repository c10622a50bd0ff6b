"""The confirm bookkeeping of a publisher, shared by the threaded `ConfirmPublisher` and the event-loop
`LoopPublisher`, which are only its drivers (threads, timers, channel lifecycle).

`ConfirmLedger`: delivery tag -> publish on one channel; an ack or nack with ``multiple`` settles every older
tag, a return is matched to the oldest in-flight publish of that message, everything unconfirmed is handed back
for resending when the channel goes. `Outbox`: every publish from ``publish`` to its settlement — waiting,
in flight (the ledger), by age for the deadline — and the rules: ack → done (or ``UnroutableError`` after a
return), nack → resend on a new channel (RabbitMQ 3.10.8 can nack every publish of a channel after a quorum
leader failover), deadline → ``PublishNackedError`` if it was nacked, ``UnroutableError`` if it was returned,
else ``PublishTimeoutError``. A return within ``RECOVERY_GRACE`` seconds of a reconnect is treated like a nack:
RabbitMQ 3.10 accepts connections after a crash before its quorum queues run again, and returns what it cannot
route to them yet (a returned message is stored nowhere, so sending it again cannot make a duplicate).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import pika
import pika.exceptions

from hub.transport.errors import PublishNackedError, PublishTimeoutError, UnroutableError
from hub.transport.message import Message

__all__ = ["ConfirmLedger", "Outbox", "PendingPublish", "settle"]

log = logging.getLogger("onepoint.transport")
RECOVERY_GRACE = 15.0  # seconds after a reconnect in which a returned publish is sent again, not failed


class _Future(Protocol):
    def done(self) -> bool: ...


class _Publish(Protocol):
    exchange: str
    message: Message
    returned: bool

    @property
    def future(self) -> _Future: ...


P = TypeVar("P", bound=_Publish)


class ConfirmLedger(Generic[P]):
    def __init__(self) -> None:
        self._in_flight: dict[int, P] = {}
        self._order: deque[int] = deque()  # in-flight tags, oldest first (lazily pruned)
        self._tag = 0

    def __len__(self) -> int:
        return len(self._in_flight)

    def __iter__(self) -> Iterator[P]:
        return iter(list(self._in_flight.values()))

    def new_channel(self) -> None:
        """Delivery tags start again at 1 on a new channel."""
        self._tag = 0

    def sent(self, publish: P) -> None:
        """Record a publish just handed to ``basic_publish`` (its tag is the channel's next one)."""
        publish.returned = False
        self._tag += 1
        self._in_flight[self._tag] = publish
        self._order.append(self._tag)

    def confirmed(self, tag: int, multiple: bool) -> list[P]:
        """The publishes an ack or nack of ``tag`` settles (with ``multiple``: every tag up to it)."""
        done: list[P] = []
        order, in_flight = self._order, self._in_flight
        if not multiple and (p := in_flight.pop(tag, None)) is not None:
            done.append(p)
        while order and (order[0] <= tag if multiple else order[0] not in in_flight):
            if (p := in_flight.pop(order.popleft(), None)) is not None:
                done.append(p)
        return done

    def mark_returned(self, exchange: str, routing_key: str, message_id: str | None) -> bool:
        """Flag the oldest in-flight publish a basic.return names (returns come in publish order)."""
        for p in (self._in_flight.get(tag) for tag in self._order):
            if p is None or p.returned or p.message.message_id != message_id:
                continue
            if p.exchange == exchange and p.message.routing_key == routing_key:
                p.returned = True
                return True
        return False

    def take_unconfirmed(self) -> list[P]:
        """Every publish still waiting for its confirm, oldest first, and forget the channel's tags."""
        unconfirmed = [p for t in self._order if (p := self._in_flight.get(t)) is not None and not p.future.done()]
        self._in_flight.clear()
        self._order.clear()
        return unconfirmed

    def requeue_unconfirmed(self, waiting: deque[P], why: str) -> int:
        """Put every unconfirmed publish back at the front of ``waiting`` (oldest first) to be resent; logged.
        Returns how many."""
        unconfirmed = self.take_unconfirmed()
        if unconfirmed:
            log.info("resending unconfirmed messages", extra={"count": len(unconfirmed), "reason": why})
        waiting.extendleft(reversed(unconfirmed))
        return len(unconfirmed)

    def clear(self) -> list[P]:
        """Every publish in the ledger (for shutdown), emptied."""
        publishes = list(self._in_flight.values())
        self._in_flight.clear()
        self._order.clear()
        return publishes


class SettleableFuture(Protocol):
    """``concurrent.futures.Future[None]`` or ``asyncio.Future[None]``."""

    def done(self) -> bool: ...

    def set_result(self, result: None, /) -> None: ...

    def set_exception(self, exception: BaseException, /) -> None: ...


def settle(future: SettleableFuture, error: BaseException | None = None) -> None:
    """Resolve ``future`` unless it already is (failed by its deadline, cancelled): the first outcome stands."""
    if future.done():
        return
    try:
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
    except (concurrent.futures.InvalidStateError, asyncio.InvalidStateError):
        pass  # settled by another thread (the deadline sweeper) in between


@dataclass(slots=True, eq=False)
class PendingPublish:
    exchange: str
    message: Message
    properties: pika.BasicProperties
    mandatory: bool
    future: SettleableFuture
    deadline: float
    returned: bool = False
    nacked: bool = False
    returned_while_recovering: bool = False


class Outbox:
    """The publishes of one publisher until settled. Driven from one thread (the connection's), except
    ``track`` (any thread) and ``expire`` (the driver's deadline clock; may be another thread)."""

    def __init__(self, max_in_flight: int, *, prune_on_ack: bool) -> None:
        self.max_in_flight = max_in_flight
        self.waiting: deque[PendingPublish] = deque()  # not sent yet (or to resend), oldest first
        self.ledger: ConfirmLedger[PendingPublish] = ConfirmLedger()  # delivery tag → publish on this channel
        self.by_age: deque[PendingPublish] = deque()  # every unsettled publish, by deadline
        self._prune_on_ack = prune_on_ack  # only when ``expire`` runs on the same thread as the confirms
        self.resent = 0
        self._connection_lost = False
        self._recovering_until = float("-inf")  # returns before this time are sent again (``RECOVERY_GRACE``)

    def __len__(self) -> int:
        """Publishes waiting or in flight."""
        return len(self.ledger) + len(self.waiting)

    def track(self, p: PendingPublish) -> None:
        self.by_age.append(p)

    def add(self, p: PendingPublish) -> None:
        self.by_age.append(p)
        self.waiting.append(p)

    def send(self, channel: Any) -> None:
        """Publish waiting messages on ``channel`` while fewer than ``max_in_flight`` await their confirm."""
        waiting, ledger = self.waiting, self.ledger
        room = self.max_in_flight - len(ledger)
        while room > 0 and waiting:
            p = waiting.popleft()
            if p.future.done():
                continue
            try:
                channel.basic_publish(p.exchange, p.message.routing_key, p.message.body, p.properties, p.mandatory)
            except pika.exceptions.AMQPError:  # the channel is going away: its close callback follows
                waiting.appendleft(p)
                return
            ledger.sent(p)
            room -= 1

    def returned(self, exchange: str, routing_key: str, message_id: str | None) -> None:
        if not self.ledger.mark_returned(exchange, routing_key, message_id):
            log.warning("basic.return for no in-flight message", extra={"message_id": message_id})

    def opened(self, now: float) -> None:
        """A channel is open (``now`` on the deadlines' clock): after a lost connection, the recovery grace starts."""
        if self._connection_lost:
            self._connection_lost = False
            self._recovering_until = now + RECOVERY_GRACE

    def confirmed(self, tag: int, multiple: bool, ack: bool, now: float) -> bool:
        """Apply an ack or nack (``now`` on the deadlines' clock). Returns True for a nack, or for a return while
        the broker recovers from a reconnect: the driver must close the channel and resend on a new one after a
        pause, never on the same channel."""
        done = self.ledger.confirmed(tag, multiple)
        if ack:
            again = []
            for p in done:
                if p.returned and now < self._recovering_until:
                    p.returned_while_recovering = True
                    again.append(p)
                else:
                    settle(p.future, UnroutableError(p.exchange, p.message.routing_key, p.message.message_id)
                           if p.returned else None)
            if self._prune_on_ack:
                by_age = self.by_age
                while by_age and by_age[0].future.done():  # forget them now, while they are in the CPU's cache
                    by_age.popleft()
            if not again:
                return False
            log.warning("returned while the broker recovers; sending again", extra={"returned": len(again)})
            self.resent += len(again)
            done = again
        else:
            for p in done:
                p.nacked = True
            log.warning("publish nacked; recycling the channel", extra={"nacked": len(done)})
        self.waiting.extendleft(reversed(done))
        return True

    def channel_lost(self, why: str, *, connection: bool = False) -> None:
        """The channel (or, with ``connection``, the connection) is gone: everything unconfirmed is sent again on
        the next one."""
        self._connection_lost = self._connection_lost or connection
        self.resent += self.ledger.requeue_unconfirmed(self.waiting, why)

    def expire(self, now: float) -> None:
        """Fail the publishes whose deadline passed (``now`` on the clock the deadlines were set with)."""
        by_age = self.by_age
        while by_age and (by_age[0].future.done() or by_age[0].deadline <= now):
            p = by_age.popleft()
            if not p.future.done():  # most were confirmed: build no error for them
                if p.returned_while_recovering:
                    settle(p.future, UnroutableError(p.exchange, p.message.routing_key, p.message.message_id))
                    continue
                kind = PublishNackedError if p.nacked else PublishTimeoutError
                settle(p.future, kind(f"message {p.message.message_id} not confirmed in time"))

    def drop_settled_waiting(self) -> None:
        """While disconnected: forget waiting publishes that expired (their futures are settled)."""
        if self.waiting:
            self.waiting = deque(p for p in self.waiting if not p.future.done())

    def unconfirmed(self) -> int:
        return sum(not p.future.done() for p in self.by_age)

    def fail_all(self, error: BaseException) -> None:
        """Settle everything still pending with ``error`` (shutdown) and empty the outbox."""
        for p in [*self.by_age, *self.waiting, *self.ledger.clear()]:
            settle(p.future, error)
        self.by_age.clear()
        self.waiting.clear()
