"""One listener's turn at the event publisher (``hub.workflow.publisher``): its next events after its cursor, the
ones its filter takes POSTed one after another, and what a round of turns did.

``post_event`` runs on a delivery thread and only sends (the status is all the publisher needs of the answer).
Everything else here runs on the publisher's thread, the one that reads and writes the store: ``Holes`` keeps a
listener from passing a hole in the outbox's positions that may still fill (PostgreSQL, ``gap``).
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.gateways.exchange import HttpExchange
from hub.workflow.listeners import ListenerFilter
from hub.workflow.store import Listener, PendingEvent

__all__ = ["Holes", "PublishRound", "Turn", "described", "post_event"]


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


def post_event(exchange: HttpExchange, url: str, document: dict[str, object]) -> str | None:
    """One delivery, on a delivery thread: None on a 2xx answer, else what went wrong."""
    body = json.dumps(document, ensure_ascii=False).encode()
    try:
        response = exchange.post(url, body, {"X-Event-Id": str(document["eventId"])})
    except Exception as exc:  # whatever sending to one listener raises fails that delivery, never the round
        return described(exc)
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


class Holes:
    """The holes in the outbox's positions seen so far, and since when: a hole younger than ``gap`` may be a
    transaction still committing (PostgreSQL), so no listener is moved past it."""

    def __init__(self, gap: timedelta) -> None:
        self.gap = gap
        self._seen: dict[tuple[int, int], datetime] = {}  # (last position before, first after) -> first seen

    def contiguous(self, cursor: int, events: list[PendingEvent], now: datetime) -> list[PendingEvent]:
        """The events up to the first hole that may still fill."""
        expected, ready = cursor + 1, []
        for event in events:
            if event.position > expected:
                first_seen = self._seen.setdefault((expected - 1, event.position), now)
                if now - first_seen < self.gap:
                    break
            ready.append(event)
            expected = event.position + 1
        return ready

    def forget_through(self, position: int) -> None:
        """Every listener has passed ``position``: the holes before it are of no more interest."""
        self._seen = {key: seen for key, seen in self._seen.items() if key[1] > position}
