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
call-back and filter), which resumes it at its cursor (at the oldest event kept, if the outbox retention purged
beyond it). A crash between a POST and the cursor's move sends the event again with the same ``eventId``: at least
once; listeners drop repeats by id. An event every served
listener has passed is marked published.

A dead or slow listener holds back only itself: each listener takes its own turns on the delivery threads
(``hub.workflow.delivery_threads``: one started whenever a POST finds none idle, up to ``[workflow.listeners]
delivery_threads``), its events strictly one after another (its next POST only after its cursor moved), so it holds
at most one thread at a time. In the publisher's thread a listener whose turn ended with its batch done and more
events possibly waiting (its cursor moved, or it read a full batch) takes its next turn at once, reading its cursor
and next events then; the others are looked at every ``interval`` seconds (new listeners, new events, retries that
are due). Past ``delivery_threads`` listeners with a POST under way at once, a POST waits for a thread: a WARNING
says so. Every POST, the wait for its answer included, ends by its deadline (``connect_timeout + read_timeout``,
``hub.gateways.deadline``, name resolution included); of the answer only its status and first bytes are read
(``callbacks``). The delivery threads only send; the store is read and written on the publisher's thread alone.
``run_round`` (tests, on a ``ManualClock``: nothing sleeps) gives every due listener one turn and returns when they
have ended. ``stop`` sends nothing more: it returns once the thread has let go of its turns; a POST under way then
is not recorded and its event goes again later (at least once).

One publisher per database (``leadership``): on PostgreSQL the publisher holds a session advisory lock, checked
again before every POST, and a second hub process skips publishing until the first one lets go (or dies); taking
it over, it first waits one delivery deadline. On SQLite run one hub process. On PostgreSQL positions are taken
from a sequence when an event is written but become visible when its transaction commits, so a hole in the
positions may still fill: a listener is not moved past a hole younger than ``gap`` (``listener_gap_seconds``).

Handing out and settling the listeners' turns is the publisher's base ``ListenerDeliveries``
(``hub.workflow.listener_deliveries``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, InvalidStateError
from contextlib import suppress
from datetime import timedelta

import httpx

from hub.config.workflow import ListenerSettings
from hub.observability.metrics import Metrics
from hub.observability.quiet import OutageLog
from hub.workflow.callbacks import Callbacks
from hub.workflow.clock import Clock
from hub.workflow.delivery_threads import DeliveryThreads
from hub.workflow.destinations import DestinationPolicy
from hub.workflow.leadership import PublisherLock
from hub.workflow.listener_deliveries import ListenerDeliveries
from hub.workflow.store import Listener, PendingEvent, WorkOrderStore
from hub.workflow.turns import Holes, PublishRound, Turn

__all__ = ["DEFAULT_DELAYS", "EventPublisher", "PublishRound"]

log = logging.getLogger("onepoint.workflow.publisher")
DEFAULT_DELAYS = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=5))


class EventPublisher(ListenerDeliveries):
    def __init__(self, store: WorkOrderStore, clock: Clock, *, delays: Sequence[timedelta] = DEFAULT_DELAYS,
                 connect_timeout: float = 5.0, read_timeout: float = 10.0, interval: float = 1.0,
                 batch: int = 100, gap: timedelta = timedelta(seconds=60),
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
        self._senders = DeliveryThreads(self.rules.delivery_threads)
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
        self._senders.shutdown()
        self._callbacks.close()
        self._lock.release()

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
