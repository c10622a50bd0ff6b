"""The event publisher: delivers the outbox's work-order events to the registered listeners (TMF621's hub model).

Each listener has a cursor in the outbox (``hub.workflow.store.outbox``). A round reads, per listener that is due,
the events after its cursor in position order and POSTs each one that passes its filter as JSON; the cursor moves
on only after a 2xx answer (events its filter refuses are passed with the next move). A failure (a timeout, a
refused connection, any other status, any error at all in sending to that listener, a call-back the hub cannot
send to) holds the listener at that event and backs it off along the backbone's delay tiers (``[broker]
delay_tiers``: 5 s, 30 s, 5 min, then the longest again and again), so the order holds, per work order and overall.
A crash between a POST and the cursor's move sends the event again with the same ``eventId``: at least once;
listeners drop repeats by id. An event every listener has passed is marked published.

A dead or slow listener holds back only itself: different listeners are served at once, on a small pool of
delivery threads (``threads``), each listener's events strictly one after another (its next POST only after its
cursor moved); every POST, the wait for its answer's headers and body included, ends by its deadline
(``connect_timeout + read_timeout``, ``hub.gateways.deadline``), so a listener that trickles its answer a byte at
a time cannot hold the round either. The delivery threads only send (``HttpExchange``, one per listener, its
connections kept between rounds); the store is read and written on the round's thread alone, which holds the
PostgreSQL lock below. ``run_round`` returns when every delivery of the round has ended.

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
from collections import deque
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from hub.gateways.exchange import HttpExchange
from hub.workflow.clock import Clock
from hub.workflow.listeners import ListenerFilter, callback_problem
from hub.workflow.store import Listener, PendingEvent, WorkOrderStore
from hub.workflow.store.dialect import try_lock_publisher

__all__ = ["DEFAULT_DELAYS", "EventPublisher", "PublishRound"]

log = logging.getLogger("onepoint.workflow.publisher")
DEFAULT_DELAYS = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=5))
HEADERS = {"User-Agent": "OnePoint-Hub-Events/1", "Content-Type": "application/json"}


@dataclass
class PublishRound:
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (listener id, event id), listener by listener
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (listener id, event id, error)
    passed: int = 0  # events a listener's filter refused
    held_back: int = 0  # listeners not due yet (backing off)
    leader: bool = True  # False: another process publishes for this database

    def add(self, turn: _Turn) -> None:
        self.delivered.extend(turn.delivered)
        self.failed.extend(turn.failed)
        self.passed += turn.filtered


@dataclass
class _Turn:
    """One listener's part of a round: its events still to go, in position order, and where it stands."""

    listener: Listener
    wanted: ListenerFilter
    events: deque[PendingEvent]
    cursor: int  # stored
    passed: int  # passed here: the cursor plus the events filtered out since its last move
    failures: int
    delivered: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    filtered: int = 0


def _described(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _post(exchange: HttpExchange, url: str, document: dict[str, object]) -> str | None:
    """One delivery, on a delivery thread: None on a 2xx answer, else what went wrong."""
    body = json.dumps(document, ensure_ascii=False).encode()
    try:
        response = exchange.post(url, body, {"X-Event-Id": str(document["eventId"])})
    except Exception as exc:  # whatever sending to one listener raises fails that delivery, never the round
        return _described(exc)
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


class EventPublisher:
    def __init__(self, store: WorkOrderStore, clock: Clock, *, delays: Sequence[timedelta] = DEFAULT_DELAYS,
                 connect_timeout: float = 5.0, read_timeout: float = 10.0, interval: float = 1.0,
                 batch: int = 100, gap: timedelta = timedelta(seconds=60), threads: int = 4) -> None:
        if not delays:
            raise ValueError("the publisher needs at least one retry delay")
        self.store, self.clock = store, clock
        self.delays = tuple(delays)
        self.interval, self.batch, self.gap = interval, batch, gap
        self.timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.deadline = connect_timeout + read_timeout  # one POST, its answer read, all told
        self._exchanges: dict[str, HttpExchange] = {}  # listener id -> its connections, kept between rounds
        self._senders = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="event-delivery")
        self._gaps: dict[tuple[int, int], datetime] = {}  # (last position before, first after) -> first seen
        self._lock: Connection | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one round -----------------------------------------------------------------------------------------------

    def run_round(self) -> PublishRound:
        """Deliver to every due listener up to ``batch`` events each, the listeners at once; returns when every
        delivery has ended. The thread repeats while rounds deliver."""
        done = PublishRound()
        if not self._leader():
            done.leader = False
            return done
        registered = self.store.listeners()
        turns = []
        for listener in registered:
            if listener.next_attempt_at is not None and listener.next_attempt_at > self.clock.now():
                done.held_back += 1
                continue
            turns.append(self._turn(listener))
        self._take_turns(turns)
        for turn in turns:
            done.add(turn)
        self._mark_published(registered)
        self._forget_gone(registered)
        return done

    def _turn(self, listener: Listener) -> _Turn:
        cursor = listener.delivered_position
        events = self._contiguous(cursor, self.store.events_after(cursor, self.batch))
        return _Turn(listener, ListenerFilter.from_text(listener.filter), deque(events), cursor, cursor,
                     listener.failures)

    def _take_turns(self, turns: list[_Turn]) -> None:
        """Each turn's events one after another, different turns' at once; the store only on this thread."""
        sending: dict[Future[str | None], tuple[_Turn, PendingEvent]] = {}
        try:
            for turn in turns:
                self._send_next(turn, sending)
            while sending:
                finished, _ = wait(sending, return_when=FIRST_COMPLETED)
                for future in finished:
                    turn, event = sending.pop(future)
                    if self._settle(turn, event, future.result()):
                        self._send_next(turn, sending)
        finally:
            wait(sending)  # a round the store failed leaves no POST behind it either

    def _send_next(self, turn: _Turn, sending: dict[Future[str | None], tuple[_Turn, PendingEvent]]) -> None:
        """Hand the turn's next wanted event to a delivery thread; with none left, pass what its filter refused."""
        wanted = self._next_wanted(turn)
        if wanted is None:
            if turn.passed > turn.cursor:
                self.store.advance_listener(turn.listener.id, turn.passed, self.clock.now(), delivered=False)
            return
        event, document = wanted
        try:
            exchange = self._exchange(turn.listener)
        except Exception as exc:  # a call-back the hub cannot send to: that listener's failed delivery
            self._settle(turn, event, _described(exc))
            return
        sending[self._senders.submit(_post, exchange, turn.listener.callback_url, document)] = (turn, event)

    def _next_wanted(self, turn: _Turn) -> tuple[PendingEvent, dict[str, object]] | None:
        """The turn's next event its filter takes, with its document; those it refuses are passed."""
        while turn.events:
            event = turn.events.popleft()
            document: dict[str, object] = json.loads(event.payload)
            if turn.wanted.matches(event.kind, document):
                document["eventId"] = event.event_id  # the outbox row's id: the same on every redelivery
                return event, document
            turn.passed = event.position
            turn.filtered += 1
        return None

    def _settle(self, turn: _Turn, event: PendingEvent, error: str | None) -> bool:
        """Record how the delivery of ``event`` went (None: a 2xx); True when the turn's next event may go."""
        listener, now = turn.listener, self.clock.now()
        if error is not None:
            if turn.passed > turn.cursor:  # the filtered-out events before it stay passed
                self.store.advance_listener(listener.id, turn.passed, now, delivered=False)
            self._failed(turn, event, error, now)
            return False
        if not self.store.advance_listener(listener.id, event.position, now, delivered=True):
            log.info("listener gone during delivery", extra={"listener_id": listener.id})
            return False
        turn.delivered.append((listener.id, event.event_id))
        turn.cursor = turn.passed = event.position
        turn.failures = 0
        return True

    def _exchange(self, listener: Listener) -> HttpExchange:
        """The listener's connections; ValueError for a call-back the hub cannot send to (stored before
        registration refused such URLs)."""
        found = self._exchanges.get(listener.id)
        if found is None:
            if (problem := callback_problem(listener.callback_url)) is not None:
                raise ValueError(f"call-back {listener.callback_url!r} cannot be used: {problem}")
            found = HttpExchange(listener.callback_url, self.timeout, HEADERS, deadline=self.deadline)
            self._exchanges[listener.id] = found
        return found

    def _forget_gone(self, registered: list[Listener]) -> None:
        """Close the connections of listeners no longer registered."""
        for gone in self._exchanges.keys() - {listener.id for listener in registered}:
            self._exchanges.pop(gone).close()

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

    def _failed(self, turn: _Turn, event: PendingEvent, error: str, now: datetime) -> None:
        """Hold the listener at ``event`` until the delay of its failures in a row (this one included) has passed."""
        listener, failures = turn.listener, turn.failures + 1
        delay = self.delays[min(failures, len(self.delays)) - 1]
        self.store.listener_failed(listener.id, failures, now + delay, error)
        turn.failed.append((listener.id, event.event_id, error))
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
            with suppress(SQLAlchemyError):  # now, not when the server has ended the session (a broken one has)
                self._lock.exec_driver_sql("SELECT pg_advisory_unlock_all()")
                self._lock.commit()
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
        self._senders.shutdown(wait=True)
        for exchange in self._exchanges.values():
            exchange.close()
        self._exchanges.clear()
        self._release()
