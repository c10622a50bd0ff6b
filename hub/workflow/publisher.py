"""The event publisher: delivers the outbox's work-order events to the registered listeners (TMF621's hub model).

Each listener has a cursor in the outbox (``hub.workflow.store.outbox``). A listener's turn reads the events after
its cursor in position order (up to ``batch``) and POSTs each one that passes its filter as JSON (``turns``); the
cursor moves on only after a 2xx answer (events its filter refuses are passed with the next move). A failure (a
timeout, a refused connection, any other status, any error at all in sending to that listener, a call-back the hub
cannot or may not send to) holds the listener at that event and backs it off along the backbone's delay tiers
(``[broker] delay_tiers``: 5 s, 30 s, 5 min, then the longest again and again), so the order holds, per work order
and overall. After ``park_after_failures`` failures in a row at one event (``[workflow.listeners]``, 10 as the
backbone's ``delivery_limit``) the listener is parked (``suspended_at``, a WARNING ``event listener parked``): it
is not served and the published mark no longer waits for it, until its system registers it again (the same
call-back and filter), which resumes it at its cursor. A crash between a POST and the cursor's move sends the
event again with the same ``eventId``: at least once; listeners drop repeats by id. An event every served
listener has passed is marked published.

A dead or slow listener holds back only itself: each listener takes its own turns on a small pool of delivery
threads (``threads``), its events strictly one after another (its next POST only after its cursor moved). In the
publisher's thread a listener whose turn ended with its batch done and more events possibly waiting (its cursor
moved, or it read a full batch) takes its next turn at once, reading its cursor and next events then; the others
are looked at every ``interval`` seconds (new listeners, new events, retries that are due). Every POST, the wait
for its answer included, ends by its deadline (``connect_timeout + read_timeout``, ``hub.gateways.deadline``, name
resolution included); of the answer only its status and first bytes are read (``callbacks``). The delivery
threads only send; the store is read and written on the publisher's thread alone. ``run_round`` (tests, on a
``ManualClock``: nothing sleeps) gives every due listener one turn and returns when they have ended. ``stop``
sends nothing more: it returns once the thread has let go of its turns; a POST under way then is not recorded and
its event goes again later (at least once).

One publisher per database (``leadership``): on PostgreSQL the publisher holds a session advisory lock, checked
again before every POST, and a second hub process skips publishing until the first one lets go (or dies); taking
it over, it first waits one delivery deadline. On SQLite run one hub process. On PostgreSQL positions are taken
from a sequence when an event is written but become visible when its transaction commits, so a hole in the
positions may still fill: a listener is not moved past a hole younger than ``gap`` (``listener_gap_seconds``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, InvalidStateError, ThreadPoolExecutor, wait
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

import httpx

from hub.config.workflow import ListenerSettings
from hub.observability.metrics import Metrics
from hub.observability.quiet import OutageLog
from hub.workflow.callbacks import Callbacks
from hub.workflow.clock import Clock
from hub.workflow.destinations import DestinationPolicy, redacted
from hub.workflow.leadership import PublisherLock
from hub.workflow.listeners import ListenerFilter
from hub.workflow.store import Listener, PendingEvent, WorkOrderStore
from hub.workflow.store.outbox import suspend_listener
from hub.workflow.turns import Holes, PublishRound, Turn, described, post_event

__all__ = ["DEFAULT_DELAYS", "EventPublisher", "PublishRound"]

log = logging.getLogger("onepoint.workflow.publisher")
DEFAULT_DELAYS = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=5))


class EventPublisher:
    def __init__(self, store: WorkOrderStore, clock: Clock, *, delays: Sequence[timedelta] = DEFAULT_DELAYS,
                 connect_timeout: float = 5.0, read_timeout: float = 10.0, interval: float = 1.0,
                 batch: int = 100, gap: timedelta = timedelta(seconds=60), threads: int = 4,
                 settings: ListenerSettings | None = None, metrics: Metrics | None = None) -> None:
        if not delays:
            raise ValueError("the publisher needs at least one retry delay")
        self.store, self.clock, self.metrics = store, clock, metrics
        self.delays = tuple(delays)
        self.interval, self.batch, self.gap = interval, batch, gap
        self.rules = settings or ListenerSettings()
        self.timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.deadline = connect_timeout + read_timeout  # one POST, its answer read, all told
        self._callbacks = Callbacks(DestinationPolicy(self.rules), self.timeout, self.deadline)
        self._senders = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="event-delivery")
        self._sending: dict[Future[str | None], tuple[Turn, PendingEvent]] = {}
        self._busy: dict[str, Turn] = {}  # listener id -> its turn under way
        self._ended: list[Turn] = []
        self._holes = Holes(gap)
        self._lock = PublisherLock(store.engine, deadline=self.deadline)
        self._stop = threading.Event()
        self._wake: Future[None] = Future()  # done on stop: ends a wait for deliveries
        self._thread: threading.Thread | None = None
        self._failures = OutageLog(log, "event publisher",
                                   event="event publisher failed; it starts again from the cursors")

    # -- one round (tests) and the thread ------------------------------------------------------------------------

    def run_round(self) -> PublishRound:
        """One turn for every due listener, the listeners at once; returns when every turn has ended."""
        done = PublishRound()
        if not self._lock.leader():
            done.leader = False
            return done
        if self._lock.taking_over:
            done.taking_over = True
            return done
        try:
            registered = self._look(done)
            self._drain(again=False, timeout=None)
        except BaseException:
            self._abandon(wait_for_posts=True)  # a round the store failed leaves no POST behind it either
            raise
        for turn in self._ended:
            done.add(turn)
        self._ended.clear()
        self._mark_published(registered)
        self._callbacks.keep_only({li.id for li in registered if li.suspended_at is None})
        return done

    def start(self) -> EventPublisher:
        self._thread = threading.Thread(target=self._run, name="event-publisher", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        next_look = time.monotonic()
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_look:
                    next_look = time.monotonic() + self.interval
                    self._tick()
                    self._failures.succeeded()  # the store answered again after an outage: said once
                left = max(next_look - time.monotonic(), 0.0)
                if self._sending:
                    self._drain(again=True, timeout=left)
                else:
                    self._stop.wait(left)
            except Exception as exc:  # the next look tries again from the cursors; an outage is logged once
                self._failures.failed(exc)
                self._abandon(wait_for_posts=True)
        self._abandon(wait_for_posts=False)

    def _tick(self) -> None:
        if not self._lock.leader() or self._lock.taking_over:
            return
        registered = self._look(None)
        self._again()
        self._mark_published(registered)
        self._callbacks.keep_only({li.id for li in registered if li.suspended_at is None})

    def stop(self) -> None:
        self._stop.set()
        with suppress(InvalidStateError):
            self._wake.set_result(None)
        if self._thread is not None:
            self._thread.join(timeout=self.deadline + 5)
        self._senders.shutdown(wait=False, cancel_futures=True)
        self._callbacks.close()
        self._lock.release()

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
        read = self.store.events_after(cursor, self.batch)
        events = self._holes.contiguous(cursor, read, self.clock.now())
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
        self._sending[self._senders.submit(post_event, exchange, turn.listener.callback_url, document)] = (
            turn, event)

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
        if failures >= self.rules.park_after_failures:
            self.store.listener_failed(listener.id, failures, now, error)
            with self.store.engine.begin() as connection:
                suspend_listener(connection, listener.id, now, error)
            turn.parked = True
            log.warning("event listener parked: no more deliveries until its system registers it again", extra={
                **facts, "system": listener.source_system, "callback": redacted(listener.callback_url)})
            if self.metrics is not None:
                self.metrics.dead_lettered("event-listeners", "listener-parked")
            return
        delay = self.delays[min(failures, len(self.delays)) - 1]
        self.store.listener_failed(listener.id, failures, now + delay, error)
        log.warning("event delivery failed; the listener waits",
                    extra={**facts, "retry_in_seconds": delay.total_seconds()})

    def _mark_published(self, registered: list[Listener]) -> None:
        """Events every served listener has passed are published (with none, every event so far)."""
        fresh = [li for li in self.store.listeners() if li.suspended_at is None] if registered else []
        through = min((li.delivered_position for li in fresh), default=None)
        if through is None:
            through = self.store.outbox_end()
        oldest = self.store.pending_events(limit=1)  # a read: the write (SQLite's write lock) only when needed
        if oldest and oldest[0].position <= through:
            self.store.mark_published_through(through, self.clock.now())
        self._holes.forget_through(through)
