"""One listener's turn at the event publisher (``hub.workflow.publisher``): its next events after its cursor, the
ones its filter takes POSTed one after another, and what a round of turns did.

``post_event`` runs on a delivery thread and only sends (the status is all the publisher needs of the answer).
Everything else here runs on the publisher's thread, the one that reads and writes the store: ``Holes`` keeps a
listener from passing a hole in the outbox's positions that may still fill (PostgreSQL, ``gap``).
"""

from __future__ import annotations

import json
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.gateways.exchange import HttpExchange
from hub.workflow.event_signatures import signed_headers
from hub.workflow.listeners import ListenerFilter
from hub.workflow.store import Listener, PendingEvent

__all__ = ["LISTENER_GONE", "Holes", "PublishRound", "Turn", "described", "post_event"]

log = logging.getLogger("onepoint.workflow.publisher")


@dataclass
class Turn:
    """One listener's part of a round: its events still to go, in position order, and where it stands."""

    listener: Listener
    wanted: ListenerFilter
    events: deque[PendingEvent]
    cursor: int  # stored
    passed: int  # passed here: the cursor plus the events filtered out since its last move
    failures: int
    full: bool = False  # as many events were read as a batch holds: more may wait
    delivered: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    filtered: int = 0
    parked: bool = False
    moved: bool = False  # the cursor moved on (delivered or filtered events)

    def next_wanted(self) -> tuple[PendingEvent, dict[str, object]] | None:
        """The next event the filter takes, with its document; those it refuses are passed."""
        while self.events:
            event = self.events.popleft()
            document: dict[str, object] = json.loads(event.payload)
            if self.wanted.matches(event.kind, document):
                document["eventId"] = event.event_id  # the outbox row's id: the same on every redelivery
                return event, document
            self.passed = event.position
            self.filtered += 1
        return None

    @property
    def again(self) -> bool:
        """The turn ended with its batch done (not on a failure, not parked) and more events may be waiting."""
        return not self.failed and not self.parked and (self.full or self.moved)


@dataclass
class PublishRound:
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (listener id, event id), listener by listener
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (listener id, event id, error)
    passed: int = 0  # events a listener's filter refused
    held_back: int = 0  # listeners not due yet (backing off)
    parked: list[str] = field(default_factory=list)  # listeners parked in this round
    leader: bool = True  # False: another process publishes for this database
    taking_over: bool = False  # leader, but the previous publisher's deliveries may not have ended: none sent yet

    def add(self, turn: Turn) -> None:
        self.delivered.extend(turn.delivered)
        self.failed.extend(turn.failed)
        self.passed += turn.filtered
        if turn.parked:
            self.parked.append(turn.listener.id)


def described(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


LISTENER_GONE = "HTTP 410 Gone"  # the listener says its call-back is no more: parked at once, not retried


def post_event(exchange: HttpExchange, url: str, document: dict[str, object], signing_secret: str) -> str | None:
    """One delivery, on a delivery thread: None on a 2xx answer, else what went wrong. Signed with the listener's
    secret at the moment it is sent (``event_signatures.signed_headers``: a retry is signed anew)."""
    body = json.dumps(document, ensure_ascii=False).encode()
    try:
        headers = {"X-Event-Id": str(document["eventId"]), **signed_headers(signing_secret, body)}
        response = exchange.post(url, body, headers)
    except Exception as exc:  # whatever sending to one listener raises fails that delivery, never the round
        return described(exc)
    if 200 <= response.status_code < 300:
        return None
    return LISTENER_GONE if response.status_code == 410 else f"HTTP {response.status_code}"


class Holes:
    """The holes in the outbox's positions seen so far: a hole may be a transaction still committing (PostgreSQL), so
    no listener is moved past it until it cannot fill any more.

    On PostgreSQL a hole is passed once every transaction that was writing the database just after the read that
    first showed it has ended (`witness`, `hub.workflow.store.writers`), however long that takes: the one that held
    it has then committed (its event is visible to the next read) or rolled back. One held past ``gap`` is logged
    once: a long transaction holds the listeners back. On SQLite (writers serialized: a hole is a rolled-back
    transaction) a hole is passed once it is older than ``gap``."""

    def __init__(self, gap: timedelta) -> None:
        self.gap = gap
        self._seen: dict[tuple[int, int], _Hole] = {}  # (last position before, first after) -> when and by whom

    @property
    def known(self) -> bool:
        """Holes were seen that listeners may still be held at: `contiguous` needs the open writers."""
        return bool(self._seen)

    def contiguous(self, cursor: int, events: list[PendingEvent], now: datetime,
                   writers: frozenset[int] | None = None) -> list[PendingEvent]:
        """The events up to the first hole that may still fill. ``writers``: the database's open writing
        transactions, taken *before* ``events`` were read (PostgreSQL, when holes are `known`)."""
        expected, ready = cursor + 1, []
        for event in events:
            if event.position > expected:
                key = (expected - 1, event.position)
                hole = self._seen.setdefault(key, _Hole(now))
                if not hole.passable(now, writers, self.gap, key):
                    break
            ready.append(event)
            expected = event.position + 1
        return ready

    @property
    def unwitnessed(self) -> bool:
        return any(hole.holders is None for hole in self._seen.values())

    def witness(self, writers: frozenset[int]) -> None:
        """The open writing transactions, taken *after* the read that showed the holes not witnessed yet."""
        for hole in self._seen.values():
            if hole.holders is None:
                hole.holders = writers

    def forget_through(self, position: int) -> None:
        """Every listener has passed ``position``: the holes before it are of no more interest."""
        self._seen = {key: seen for key, seen in self._seen.items() if key[1] > position}


@dataclass
class _Hole:
    first_seen: datetime
    holders: frozenset[int] | None = None  # the writing transactions open just after it was first seen (PostgreSQL)
    reported: bool = False

    def passable(self, now: datetime, writers: frozenset[int] | None, gap: timedelta, key: tuple[int, int]) -> bool:
        old = now - self.first_seen >= gap
        if self.holders is None:  # SQLite; on PostgreSQL not witnessed yet (it is, right after the read showing it)
            return writers is None and old
        if writers is None:
            return False
        if not self.holders & writers:
            return True
        if old and not self.reported:
            self.reported = True
            log.warning("an outbox hole is still held by an open transaction: listeners wait for it to end",
                        extra={"after_position": key[0], "before_position": key[1],
                               "open_transactions": sorted(self.holders & writers)[:10],
                               "held_seconds": round((now - self.first_seen).total_seconds())})
        return False
