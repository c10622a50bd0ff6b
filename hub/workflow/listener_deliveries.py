"""The event publisher's turns (``hub.workflow.publisher``): a due listener's next events read after its cursor, each
one its filter takes handed to a delivery thread in turn and settled when its POST ends, the cursor moved on after
a 2xx and the events its filter refused passed with it; a failed delivery holds the listener at that event, backed
off along the delay tiers, and parks it after ``park_after_failures`` failures in a row (``suspend_listener``,
a WARNING ``event listener parked``, the ``listener-parked`` dead-letter count).

``ListenerDeliveries`` is the base of ``hub.workflow.publisher.EventPublisher``, whose ``__init__`` sets the state it
works on; it runs on the publisher's thread (the delivery threads only POST, ``hub.workflow.turns.post_event``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from datetime import datetime, timedelta
from typing import Any

from hub.config.workflow import ListenerSettings
from hub.observability.metrics import Metrics
from hub.workflow.callbacks import Callbacks
from hub.workflow.clock import Clock
from hub.workflow.delivery_threads import DeliveryThreads
from hub.workflow.destinations import redacted
from hub.workflow.leadership import PublisherLock
from hub.workflow.listeners import ListenerFilter
from hub.workflow.store import Listener, PendingEvent, WorkOrderStore
from hub.workflow.store.outbox import suspend_listener
from hub.workflow.turns import LISTENER_GONE, Holes, PublishRound, Turn, described, post_event

__all__ = ["ListenerDeliveries"]

log = logging.getLogger("onepoint.workflow.publisher")


class ListenerDeliveries:
    """The listeners' turns of ``EventPublisher``; its ``__init__`` sets these attributes."""

    store: WorkOrderStore
    clock: Clock
    metrics: Metrics | None
    delays: tuple[timedelta, ...]
    batch: int
    rules: ListenerSettings
    _callbacks: Callbacks
    _senders: DeliveryThreads
    _sending: dict[Future[str | None], tuple[Turn, PendingEvent]]
    _busy: dict[str, Turn]
    _ended: list[Turn]
    _holes: Holes
    _lock: PublisherLock
    _stop: threading.Event
    _wake: Future[None]

    # -- turns ---------------------------------------------------------------------------------------------------

    def _look(self, done: PublishRound | None) -> list[Listener]:
        """Start a turn for every served listener that is due and has none under way."""
        registered = self.store.listeners()
        now = self.clock.now()
        for listener in registered:
            if listener.suspended_at is not None or listener.id in self._busy:
                continue
            if listener.next_attempt_at is not None and listener.next_attempt_at > now:
                if done is not None:
                    done.held_back += 1
                continue
            self._begin(listener)
        return registered

    def _begin(self, listener: Listener) -> None:
        cursor = listener.delivered_position
        writers = self.store.running_writers() if self._holes.known else None  # before the read (turns.Holes)
        read = self.store.events_after(cursor, self.batch)
        events = self._holes.contiguous(cursor, read, self.clock.now(), writers)
        if self._holes.unwitnessed and (witnessed := self.store.running_writers()) is not None:
            self._holes.witness(witnessed)  # after the read that showed them
        turn = Turn(listener, ListenerFilter.from_text(listener.filter), deque(events), cursor, cursor,
                    listener.failures, full=len(events) == len(read) == self.batch)
        self._busy[listener.id] = turn
        self._send_next(turn)

    def _again(self) -> None:
        """Listeners whose turn ended with more possibly waiting take their next turn now (the thread only)."""
        while self._ended and not self._stop.is_set():
            ended, self._ended = self._ended, []
            for turn in ended:
                if turn.again and turn.listener.id not in self._busy:
                    fresh = self.store.listener(turn.listener.id)
                    if fresh is not None and fresh.suspended_at is None and fresh.next_attempt_at is None:
                        self._begin(fresh)

    def _drain(self, *, again: bool, timeout: float | None) -> None:
        """Settle deliveries as they end, handing out each turn's next event, until none is under way, ``timeout``
        has passed or the publisher stops."""
        until = None if timeout is None else time.monotonic() + timeout
        while self._sending and not self._stop.is_set():
            left = None if until is None else until - time.monotonic()
            if left is not None and left <= 0:
                return
            waiting: list[Future[Any]] = [*self._sending, self._wake]
            finished, _ = wait(waiting, timeout=left, return_when=FIRST_COMPLETED)
            for future in finished:
                if future is not self._wake:
                    turn, event = self._sending.pop(future)
                    self._settle(turn, event, future.result())
            if again:
                self._again()

    def _may_send(self) -> bool:
        """Not stopping, and on PostgreSQL still the database's publisher (its lock's session alive)."""
        return not self._stop.is_set() and self._lock.held()

    def _send_next(self, turn: Turn) -> None:
        """Hand the turn's next wanted event to a delivery thread; with none left, pass what its filter refused."""
        if not self._may_send():
            self._end(turn)  # the cursor stays as stored: the next publisher starts there
            return
        wanted = turn.next_wanted()
        if wanted is None:
            if turn.passed > turn.cursor:
                self.store.advance_listener(turn.listener.id, turn.passed, self.clock.now(), delivered=False)
                turn.moved = True
            self._end(turn)
            return
        event, document = wanted
        try:
            exchange = self._callbacks.exchange(turn.listener)
        except Exception as exc:  # a call-back the hub cannot or may not send to: that listener's failed delivery
            self._settle(turn, event, described(exc))
            return
        listener = turn.listener
        self._sending[self._senders.submit(post_event, exchange, listener.callback_url, document,
                                           listener.signing_secret)] = (turn, event)

    def _settle(self, turn: Turn, event: PendingEvent, error: str | None) -> None:
        """Record how the delivery of ``event`` went (None: a 2xx), then hand out the turn's next event."""
        listener, now = turn.listener, self.clock.now()
        if error is not None:
            if turn.passed > turn.cursor:  # the filtered-out events before it stay passed
                self.store.advance_listener(listener.id, turn.passed, now, delivered=False)
            self._failed(turn, event, error, now)
            self._end(turn)
            return
        if not self.store.advance_listener(listener.id, event.position, now, delivered=True):
            log.info("listener gone during delivery", extra={"listener_id": listener.id})
            self._end(turn)
            return
        turn.delivered.append((listener.id, event.event_id))
        turn.cursor = turn.passed = event.position
        turn.failures, turn.moved = 0, True
        self._send_next(turn)

    def _end(self, turn: Turn) -> None:
        self._busy.pop(turn.listener.id, None)
        self._ended.append(turn)

    def _abandon(self, *, wait_for_posts: bool) -> None:
        """Let go of every turn (their cursors stay as stored); ``wait_for_posts``: after the POSTs under way end."""
        if wait_for_posts:
            wait(self._sending)
        self._sending.clear()
        self._busy.clear()
        self._ended.clear()

    def _failed(self, turn: Turn, event: PendingEvent, error: str, now: datetime) -> None:
        """Hold the listener at ``event`` until the delay of its failures in a row (this one included) has passed;
        park it after ``park_after_failures`` of them."""
        listener, failures = turn.listener, turn.failures + 1
        turn.failed.append((listener.id, event.event_id, error))
        facts = {"listener_id": listener.id, "event_id": event.event_id, "work_order_id": event.work_order_id,
                 "failures": failures, "error": error}
        if failures >= self.rules.park_after_failures or error == LISTENER_GONE:
            if not self.store.listener_failed(listener.id, failures, now, error):
                self._gone(facts)
                return
            with self.store.engine.begin() as connection:
                suspend_listener(connection, listener.id, now, error)
            turn.parked = True
            log.warning("event listener parked: no more deliveries until its system registers it again", extra={
                **facts, "system": listener.source_system, "callback": redacted(listener.callback_url)})
            if self.metrics is not None:
                self.metrics.dead_lettered("event-listeners", "listener-parked")
            return
        delay = self.delays[min(failures, len(self.delays)) - 1]
        if not self.store.listener_failed(listener.id, failures, now + delay, error):
            self._gone(facts)
            return
        log.warning("event delivery failed; the listener waits",
                    extra={**facts, "retry_in_seconds": delay.total_seconds()})

    @staticmethod
    def _gone(facts: Mapping[str, object]) -> None:
        """A delivery that failed after its listener was unregistered: nothing is tried again, nothing waits."""
        log.info("event delivery failed after its listener was unregistered: nothing more goes to it", extra=facts)
