"""`Outbox`: every publish of one publisher from ``publish`` to its settlement — waiting, in flight (the
`ConfirmLedger`), by age for the deadline — and the rules both drivers (the threaded `ConfirmPublisher`, the
event-loop `LoopPublisher`) follow:

* ack → done (or ``UnroutableError`` after a return);
* nack of a publish that reaches a queue with a max length (``x-max-length`` with ``reject-publish``, the
  ``[broker] max_queue_length`` of the consumer queues): the queue is full, a definite refusal →
  ``QueueFullError`` at once, never resent, the channel kept;
* any other nack → resend on a new channel after a pause. That is the workaround for RabbitMQ 3.10.8, which can
  nack every publish of a channel after a quorum leader failover (fixed in later releases, not in Debian's): only
  a new channel publishes again. It stays bounded by each publish's deadline, and the driver's pause between
  recycles grows while nacks go on (``recycle_pause``). A channel that only ever nacks publishes to full queues is
  still recycled once it is ``SUSPECT_AFTER`` seconds old, at most that often, in case it is such a channel;
* a return within ``RECOVERY_GRACE`` seconds of a reconnect is treated like a nack: RabbitMQ 3.10 accepts
  connections after a crash before its quorum queues run again, and returns what it cannot route to them yet (a
  returned message is stored nowhere, so sending it again cannot make a duplicate);
* deadline → ``UnroutableError`` if it was returned, ``PublishOutcomeUnknownError`` if it was written and may have
  been stored, ``PublishNackedError`` if the broker refused it, else ``PublishTimeoutError`` (never written:
  nothing stored).

The warnings of floods (nacks, full queues) are throttled: one line, then at most one every ``LOG_INTERVAL``
seconds counting the others.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import pika.exceptions

from hub.observability.quiet import QuietLog
from hub.transport.amqp.ledger import ConfirmLedger, PendingPublish, settle
from hub.transport.errors import (
    PublishNackedError,
    PublishOutcomeUnknownError,
    PublishTimeoutError,
    QueueFullError,
    UnroutableError,
)

__all__ = ["RECOVERY_GRACE", "SUSPECT_AFTER", "BoundedQueuesOf", "Outbox"]

log = logging.getLogger("onepoint.transport")
RECOVERY_GRACE = 15.0  # seconds after a reconnect in which a returned publish is sent again, not failed
SUSPECT_AFTER = 5.0  # seconds: a channel older than this that nacks publishes to full queues is recycled anyway
LOG_INTERVAL = 10.0
MAX_RECYCLE_PAUSE = 2.0

BoundedQueuesOf = Callable[[str, str], tuple[str, ...]]  # (exchange, routing key) → the full-able queues reached


def _no_bounded_queues(_exchange: str, _routing_key: str) -> tuple[str, ...]:
    return ()


class Outbox:
    """The publishes of one publisher until settled. Driven from one thread (the connection's), except
    ``track`` (any thread) and ``expire`` (the driver's deadline clock; may be another thread)."""

    def __init__(self, max_in_flight: int, *, prune_on_ack: bool, bounded: BoundedQueuesOf | None = None) -> None:
        self.max_in_flight = max_in_flight
        self.waiting: deque[PendingPublish] = deque()  # not sent yet (or to resend), oldest first
        self.ledger: ConfirmLedger[PendingPublish] = ConfirmLedger()  # delivery tag → publish on this channel
        self.by_age: deque[PendingPublish] = deque()  # every unsettled publish, by deadline
        self._prune_on_ack = prune_on_ack  # only when ``expire`` runs on the same thread as the confirms
        self._bounded = bounded or _no_bounded_queues
        self.resent = 0
        self.refused_full = 0  # publishes refused at once because a queue was full
        self._connection_lost = False
        self._recovering_until = float("-inf")  # returns before this time are sent again (``RECOVERY_GRACE``)
        self._channel_opened = float("-inf")
        self._nacked_in_a_row = 0  # recycles for nacks since the last ack: the pause before the next grows
        self._nacks_log = QuietLog("publish nacked; recycling the channel", LOG_INTERVAL, logger=log)
        self._full_log = QuietLog("publish refused: queue full", LOG_INTERVAL, logger=log)
        self._resend_log = QuietLog("resending unconfirmed messages", LOG_INTERVAL, logger=log)

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
            p.maybe_stored = True
            room -= 1

    def returned(self, exchange: str, routing_key: str, message_id: str | None) -> None:
        if not self.ledger.mark_returned(exchange, routing_key, message_id):
            log.warning("basic.return for no in-flight message", extra={"message_id": message_id})

    def opened(self, now: float) -> None:
        """A channel is open (``now`` on the deadlines' clock): after a lost connection, the recovery grace starts."""
        self._channel_opened = now
        if self._connection_lost:
            self._connection_lost = False
            self._recovering_until = now + RECOVERY_GRACE

    def recycle_pause(self, pause: float) -> float:
        """The pause before a channel recycled for nacks reopens: ``pause``, doubled for each recycle in a row
        (up to ``MAX_RECYCLE_PAUSE``)."""
        return float(min(MAX_RECYCLE_PAUSE, pause * 2.0 ** max(0, self._nacked_in_a_row - 1)))

    def confirmed(self, tag: int, multiple: bool, ack: bool, now: float) -> bool:
        """Apply an ack or nack (``now`` on the deadlines' clock). Returns True when the driver must close the
        channel and resend on a new one after a pause (``recycle_pause``), never on the same channel."""
        done = self.ledger.confirmed(tag, multiple)
        if ack:
            self._nacked_in_a_row = 0
            again = []
            for p in done:
                if p.returned and now < self._recovering_until:
                    p.returned_while_recovering = True
                    p.maybe_stored = p.lost_in_flight
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
            self.waiting.extendleft(reversed(again))
            return True
        return self._nacked(done, now)

    def _nacked(self, done: list[PendingPublish], now: float) -> bool:
        again: list[PendingPublish] = []
        full: set[str] = set()
        for p in done:
            queues = self._bounded(p.exchange, p.message.routing_key)
            if queues:  # a full queue refused it: definite, at once
                full.update(queues)
                self.refused_full += 1
                settle(p.future, QueueFullError(queues, p.message.message_id))
            else:
                p.nacked = True
                p.maybe_stored = p.lost_in_flight  # this attempt was refused; an earlier lost one may be stored
                again.append(p)
        if full:
            self._full_log.warn(queues=sorted(full), refused=self.refused_full)
        if again:
            self._nacked_in_a_row += 1
            self._nacks_log.warn(nacked=len(again), recycles_in_a_row=self._nacked_in_a_row)
            self.waiting.extendleft(reversed(again))
            return True
        return bool(full) and now - self._channel_opened >= SUSPECT_AFTER

    def blocked(self, reason: str) -> int:
        """The broker blocked the connection (a memory or disk alarm) after reading what is in flight: fail each
        of those at once as written but unconfirmed (it is stored, and carried out, once the alarm clears; the
        confirm that comes then settles nothing). Returns how many."""
        failed = 0
        for p in self.ledger.in_flight():
            if not p.future.done():
                failed += 1
                settle(p.future, PublishOutcomeUnknownError(
                    f"message {p.message.message_id} was sent, then the broker blocked publishing ({reason}): it "
                    "may be stored, and carried out, once the alarm clears"))
        return failed

    def channel_lost(self, why: str, *, connection: bool = False) -> None:
        """The channel (or, with ``connection``, the connection) is gone: everything unconfirmed is sent again on
        the next one."""
        self._connection_lost = self._connection_lost or connection
        unconfirmed = self.ledger.take_unconfirmed()
        for p in unconfirmed:
            p.lost_in_flight = True
        if unconfirmed:
            self._resend_log.warn(count=len(unconfirmed), reason=why)
            self.resent += len(unconfirmed)
            self.waiting.extendleft(reversed(unconfirmed))

    def expire(self, now: float) -> None:
        """Fail the publishes whose deadline passed (``now`` on the clock the deadlines were set with)."""
        by_age = self.by_age
        while by_age and (by_age[0].future.done() or by_age[0].deadline <= now):
            p = by_age.popleft()
            if not p.future.done():  # most were confirmed: build no error for them
                settle(p.future, self._expired(p))

    @staticmethod
    def _expired(p: PendingPublish) -> Exception:
        mid = p.message.message_id
        if p.returned_while_recovering and not p.maybe_stored:
            return UnroutableError(p.exchange, p.message.routing_key, mid)
        if p.maybe_stored:
            return PublishOutcomeUnknownError(f"message {mid} was sent but not confirmed in time: it may have been "
                                              "stored")
        if p.nacked:
            return PublishNackedError(f"message {mid} not confirmed in time: the broker refused it")
        return PublishTimeoutError(f"message {mid} not sent in time (the broker unreachable or blocking "
                                   "publishes): nothing was stored")

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
