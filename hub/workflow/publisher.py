"""The event publisher: delivers the outbox's work-order events to the registered listeners (TMF621's hub model).

Each listener has a cursor in the outbox (``hub.workflow.store.outbox``). A round reads, per listener that is due,
the events after its cursor in position order and POSTs each one that passes its filter as JSON; the cursor moves
on only after a 2xx answer (events its filter refuses are passed with the next move). A failure (a timeout, a
refused connection, any other status) holds the listener at that event and backs it off along the backbone's delay
tiers (``[broker] delay_tiers``: 5 s, 30 s, 5 min, then the longest again and again), so the order holds, per work
order and overall, and a dead listener holds back only itself. A crash between a POST and the cursor's move sends
the event again with the same ``eventId``: at least once; listeners drop repeats by id. An event every listener
has passed is marked published.

One publisher per database: on PostgreSQL the publisher holds a session advisory lock and a second hub process
skips publishing until the first one lets go (or dies); on SQLite run one hub process. On PostgreSQL positions
are taken from a sequence when an event is written but become visible when its transaction commits, so a hole in
the positions may still fill: a listener is not moved past a hole younger than ``gap`` (``listener_gap_seconds``).
Time comes from the runtime's clock: tests move a ``ManualClock`` and call ``run_round``; nothing sleeps there.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from hub.workflow.clock import Clock
from hub.workflow.listeners import ListenerFilter
from hub.workflow.store import Listener, PendingEvent, WorkOrderStore
from hub.workflow.store.dialect import try_lock_publisher

__all__ = ["DEFAULT_DELAYS", "EventPublisher", "PublishRound"]

log = logging.getLogger("onepoint.workflow.publisher")
DEFAULT_DELAYS = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=5))


@dataclass
class PublishRound:
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (listener id, event id), in order
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (listener id, event id, error)
    passed: int = 0  # events a listener's filter refused
    held_back: int = 0  # listeners not due yet (backing off)
    leader: bool = True  # False: another process publishes for this database


class EventPublisher:
    def __init__(self, store: WorkOrderStore, clock: Clock, *, delays: Sequence[timedelta] = DEFAULT_DELAYS,
                 connect_timeout: float = 5.0, read_timeout: float = 10.0, interval: float = 1.0,
                 batch: int = 100, gap: timedelta = timedelta(seconds=60),
                 client: httpx.Client | None = None) -> None:
        if not delays:
            raise ValueError("the publisher needs at least one retry delay")
        self.store, self.clock = store, clock
        self.delays = tuple(delays)
        self.interval, self.batch, self.gap = interval, batch, gap
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout), follow_redirects=False,
            headers={"User-Agent": "OnePoint-Hub-Events/1"})
        self._gaps: dict[tuple[int, int], datetime] = {}  # (last position before, first after) -> first seen
        self._lock: Connection | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one round -----------------------------------------------------------------------------------------------

    def run_round(self) -> PublishRound:
        """Deliver to every due listener up to ``batch`` events each; the thread repeats while rounds deliver."""
        done = PublishRound()
        if not self._leader():
            done.leader = False
            return done
        registered = self.store.listeners()
        for listener in registered:
            if listener.next_attempt_at is not None and listener.next_attempt_at > self.clock.now():
                done.held_back += 1
                continue
            self._serve(listener, done)
        self._mark_published(registered)
        return done

    def _serve(self, listener: Listener, done: PublishRound) -> None:
        wanted = ListenerFilter.from_text(listener.filter)
        cursor = passed = listener.delivered_position  # stored / passed here (filtered out since the last move)
        failures = listener.failures
        for event in self._contiguous(cursor, self.store.events_after(cursor, self.batch)):
            document = json.loads(event.payload)
            if not wanted.matches(event.kind, document):
                passed = event.position
                done.passed += 1
                continue
            document["eventId"] = event.event_id  # the outbox row's id: the same on every redelivery
            error = self._post(listener, document)
            now = self.clock.now()
            if error is not None:
                if passed > cursor:  # the filtered-out events before it stay passed
                    self.store.advance_listener(listener.id, passed, now, delivered=False)
                self._failed(listener, event, failures + 1, error, now)
                done.failed.append((listener.id, event.event_id, error))
                return
            if not self.store.advance_listener(listener.id, event.position, now, delivered=True):
                log.info("listener gone during delivery", extra={"listener_id": listener.id})
                return
            done.delivered.append((listener.id, event.event_id))
            cursor = passed = event.position
            failures = 0
        if passed > cursor:
            self.store.advance_listener(listener.id, passed, self.clock.now(), delivered=False)

    def _contiguous(self, cursor: int, events: list[PendingEvent]) -> list[PendingEvent]:
        """The events up to the first hole in the positions that may still fill (see the module's docstring)."""
        expected, ready = cursor + 1, []
        now = self.clock.now()
        for event in events:
            if event.position > expected:
                first_seen = self._gaps.setdefault((expected - 1, event.position), now)
                if now - first_seen < self.gap:
                    break
            ready.append(event)
            expected = event.position + 1
        return ready

    def _post(self, listener: Listener, document: dict[str, object]) -> str | None:
        """None on a 2xx answer, else what went wrong."""
        body = json.dumps(document, ensure_ascii=False).encode()
        try:
            response = self.client.post(listener.callback_url, content=body, headers={
                "Content-Type": "application/json", "X-Event-Id": str(document["eventId"])})
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    def _failed(self, listener: Listener, event: PendingEvent, failures: int, error: str, now: datetime) -> None:
        """Hold the listener at ``event`` until the delay of its ``failures``-th failure in a row has passed."""
        delay = self.delays[min(failures, len(self.delays)) - 1]
        self.store.listener_failed(listener.id, failures, now + delay, error)
        log.warning("event delivery failed; the listener waits", extra={
            "listener_id": listener.id, "event_id": event.event_id, "work_order_id": event.work_order_id,
            "failures": failures, "retry_in_seconds": delay.total_seconds(), "error": error})

    def _mark_published(self, registered: list[Listener]) -> None:
        """Events every listener has passed are published (with no listener, every event so far)."""
        fresh = self.store.listeners() if registered else []
        through = min((li.delivered_position for li in fresh), default=None)
        if through is None:
            through = self.store.outbox_end()
        oldest = self.store.pending_events(limit=1)  # a read: the write (SQLite's write lock) only when needed
        if oldest and oldest[0].position <= through:
            self.store.mark_published_through(through, self.clock.now())
        self._gaps = {key: seen for key, seen in self._gaps.items() if key[1] > through}

    # -- one publisher per database ------------------------------------------------------------------------------

    def _leader(self) -> bool:
        if self.store.dialect != "postgresql":
            return True
        if self._lock is not None:
            try:  # the lock lives as long as its session: a broken connection has lost it
                self._lock.exec_driver_sql("SELECT 1")
                self._lock.commit()
                return True
            except SQLAlchemyError:
                log.warning("the event publisher's lock connection broke; taking the lock again")
                self._release()
        connection = self.store.engine.connect()
        if try_lock_publisher(connection):
            self._lock = connection
            return True
        connection.close()
        return False

    def _release(self) -> None:
        if self._lock is not None:  # the session ends (not back to the pool, lock held): the lock is let go
            self._lock.invalidate()
            self._lock.close()
            self._lock = None

    # -- the thread ----------------------------------------------------------------------------------------------

    def start(self) -> EventPublisher:
        self._thread = threading.Thread(target=self._run, name="event-publisher", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                while self.run_round().delivered and not self._stop.is_set():
                    pass
            except Exception:  # the next round tries again from the cursors
                log.exception("event publisher round failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.client.close()
        self._release()
