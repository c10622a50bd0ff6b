"""The event outbox and the listeners' cursors (TMF621's hub model), read and written beside the work orders (a
system's registrations: ``hub.workflow.store.listener_registrations``).

An event is written by the transaction that changed its work order (``WorkOrderTransaction.add_event``), so it
exists if and only if the change committed. Each listener has a cursor, ``delivered_position``: the last outbox
position it has passed (delivered with a 2xx, or filtered out). A new listener starts at the end of the outbox: it
gets the events written after it registered. The publisher (``hub.workflow.publisher``) reads the events after a
cursor in ``position`` order, delivers them and only then moves the cursor (``advance``): a crash in between
delivers the event again — at least once, each with its stable ``event_id`` for the listener to drop a repeat. Per
work order the order of writing is the order of ``seq`` and of ``position``. An event every listener has passed is
marked published (``mark_published_through``). Run one publisher per database (an advisory lock on PostgreSQL).
A listener that failed too often in a row is parked (``suspend_listener``: ``suspended_at``): the publisher skips
it and the published mark passes it by, until it is resumed (``resume_listener``: registered again) at its cursor,
or, when the retention (``[workflow] keep_events_days``, ``hub.workflow.store.retention``) has purged the events
after its cursor meanwhile, from the oldest event kept (``Resumed``: how many positions it skipped).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import Connection, Row

from hub.workflow.event_signatures import new_signing_secret
from hub.workflow.store.schema import event_listeners, work_order_events
from hub.workflow.store.writers import oldest_open_write

__all__ = ["IN_FLIGHT", "Listener", "PendingEvent", "Resumed", "add_listener", "advance_listener", "events_after",
           "listener", "listener_failed", "listener_row", "listeners", "mark_published", "mark_published_through",
           "outbox_end", "pending_events", "remove_listener", "resume_listener", "suspend_listener"]

_ev = work_order_events.c
_li = event_listeners.c
_EVENT_COLUMNS = (_ev.position, _ev.event_id, _ev.work_order_id, _ev.seq, _ev.kind, _ev.payload, _ev.created_at)


@dataclass(frozen=True, slots=True)
class PendingEvent:
    position: int
    event_id: str
    work_order_id: str
    seq: int
    kind: str
    payload: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Listener:
    id: str
    callback_url: str
    filter: str | None
    created_at: datetime
    delivered_position: int = 0
    failures: int = 0  # failed attempts in a row at the event after delivered_position
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    source_system: str | None = None
    suspended_at: datetime | None = None  # parked: not served, not waited for
    delivered_at: datetime | None = None  # its last 2xx answer (a filtered-out event moves the cursor, not this)
    signing_secret: str = field(default="", repr=False)  # its deliveries' HMAC key: never in a repr, a log, a view


def _event(row: Sequence[Any]) -> PendingEvent:
    return PendingEvent(int(row[0]), str(row[1]), str(row[2]), int(row[3]), str(row[4]), str(row[5]), row[6])


def listener_row(r: Row[Any]) -> Listener:
    """A row of ``event_listeners`` as a ``Listener``."""
    return Listener(str(r.id), str(r.callback_url), r.filter, r.created_at, int(r.delivered_position),
                    int(r.failures), r.next_attempt_at, r.last_error, r.source_system, r.suspended_at, r.delivered_at,
                    str(r.signing_secret))


def pending_events(connection: Connection, limit: int = 100) -> list[PendingEvent]:
    """The oldest events not yet published (the partial index ``ix_work_order_events_unpublished`` holds them)."""
    rows = connection.execute(
        select(*_EVENT_COLUMNS).where(_ev.published_at.is_(None)).order_by(_ev.position).limit(limit)).all()
    return [_event(r) for r in rows]


def events_after(connection: Connection, position: int, limit: int = 100) -> list[PendingEvent]:
    """The events written after outbox position ``position``, oldest first (a listener's next ones)."""
    rows = connection.execute(
        select(*_EVENT_COLUMNS).where(_ev.position > position).order_by(_ev.position).limit(limit)).all()
    return [_event(r) for r in rows]


def outbox_end(connection: Connection) -> int:
    """The last position written so far (0: none), also when the retention has purged the outbox empty (SQLite's
    ``sqlite_sequence`` remembers it, 0012; on PostgreSQL the retention always keeps an event)."""
    end = connection.execute(select(func.max(_ev.position))).scalar_one_or_none()
    if end is None and connection.dialect.name == "sqlite":
        end = connection.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'work_order_events'")).scalar()
    return 0 if end is None else int(end)


def mark_published(connection: Connection, event_ids: Sequence[str], at: datetime) -> None:
    for start in range(0, len(event_ids), 500):
        chunk = list(event_ids[start:start + 500])
        connection.execute(update(work_order_events).where(_ev.event_id.in_(chunk), _ev.published_at.is_(None))
                           .values(published_at=at))


def mark_published_through(connection: Connection, position: int, at: datetime) -> int:
    """Mark published every event up to ``position`` (every listener has passed them); returns how many."""
    result = connection.execute(update(work_order_events)
                                .where(_ev.published_at.is_(None), _ev.position <= position).values(published_at=at))
    return int(result.rowcount)


IN_FLIGHT = timedelta(seconds=60)  # how old a change still committing may be (the publisher's default ``gap``)


def _start(connection: Connection, at: datetime, in_flight: timedelta) -> int:
    """A new listener's cursor: the end of the outbox; on PostgreSQL the last position before the first hole among
    the events of the last ``in_flight`` plus the age of the oldest writing transaction still open (a hole may be a
    change still committing, its event written before the listener registered but visible only after: the listener
    gets it, and the younger events before it again)."""
    end = outbox_end(connection)
    if connection.dialect.name != "postgresql":
        return end
    in_flight += oldest_open_write(connection)  # a change open longer than that may still commit an older event
    old = select(_ev.position).where(_ev.created_at < at - in_flight).order_by(_ev.position.desc()).limit(1)
    before = int(connection.execute(old).scalar_one_or_none() or 0)
    lagged = select(_ev.position, func.lag(_ev.position, 1, before).over(order_by=_ev.position).label("prev")) \
        .where(_ev.position > before).subquery()
    hole = connection.execute(select(func.min(lagged.c.prev)).where(lagged.c.position > lagged.c.prev + 1))
    first = hole.scalar_one_or_none()
    return end if first is None else min(int(first), end)


def add_listener(connection: Connection, callback_url: str, filter_text: str | None, at: datetime, *,
                 source_system: str | None = None, in_flight: timedelta = IN_FLIGHT,
                 signing_secret: str | None = None) -> Listener:
    """Register a listener whose cursor is the end of the outbox (``_start``): it gets the events written after
    it, signed with ``signing_secret`` (a new random one when not given)."""
    secret = signing_secret or new_signing_secret()
    listener = Listener(str(uuid.uuid4()), callback_url, filter_text, at, _start(connection, at, in_flight),
                        source_system=source_system, signing_secret=secret)
    connection.execute(event_listeners.insert().values(
        id=listener.id, callback_url=callback_url, filter=filter_text, created_at=at,
        delivered_position=listener.delivered_position, failures=0, source_system=source_system,
        signing_secret=secret))
    return listener


def suspend_listener(connection: Connection, listener_id: str, at: datetime, error: str) -> bool:
    """Park the listener at its cursor: the publisher skips it until ``resume_listener``."""
    result = connection.execute(update(event_listeners).where(_li.id == listener_id).values(
        suspended_at=at, next_attempt_at=None, last_error=error[:2000]))
    return int(result.rowcount) > 0


@dataclass(frozen=True, slots=True)
class Resumed:
    """A parked listener served again: its cursor when parked, and where it goes on from."""

    parked_at_position: int
    position: int

    @property
    def skipped(self) -> int:
        """The outbox positions purged between the two: on SQLite the events it missed, on PostgreSQL at most that
        many (a rolled-back change leaves its position unused); its filter would have refused some of them."""
        return self.position - self.parked_at_position


def _oldest_kept(connection: Connection) -> int:
    """The first outbox position still there, or the next one to be written when none is (1: none ever)."""
    oldest = connection.execute(select(func.min(_ev.position))).scalar_one_or_none()
    return outbox_end(connection) + 1 if oldest is None else int(oldest)


def resume_listener(connection: Connection, listener_id: str) -> Resumed | None:
    """Serve a parked listener again, its failures forgotten, from its cursor, or from the oldest event kept when the
    retention purged those after its cursor while it was parked; None if it was not parked. The listener's row is
    updated first: on PostgreSQL a purge batch under way (it holds the rows ``FOR SHARE``) ends before the oldest
    kept position is read, and the next one counts this listener as served."""
    cursor = connection.execute(update(event_listeners)
                                .where(_li.id == listener_id, _li.suspended_at.is_not(None))
                                .values(suspended_at=None, failures=0, next_attempt_at=None)
                                .returning(_li.delivered_position)).scalar_one_or_none()
    if cursor is None:
        return None
    oldest = _oldest_kept(connection)
    if oldest - 1 <= cursor:
        return Resumed(int(cursor), int(cursor))
    connection.execute(update(event_listeners).where(_li.id == listener_id).values(delivered_position=oldest - 1))
    return Resumed(int(cursor), oldest - 1)


def remove_listener(connection: Connection, listener_id: str) -> bool:
    gone = connection.execute(delete(event_listeners).where(_li.id == listener_id).returning(_li.id)).first()
    return gone is not None


def listeners(connection: Connection) -> list[Listener]:
    rows = connection.execute(select(event_listeners).order_by(_li.created_at, _li.id))
    return [listener_row(r) for r in rows]


def listener(connection: Connection, listener_id: str) -> Listener | None:
    found = connection.execute(select(event_listeners).where(_li.id == listener_id)).first()
    return None if found is None else listener_row(found)


def advance_listener(connection: Connection, listener_id: str, position: int, at: datetime, *,
                     delivered: bool) -> bool:
    """Move the listener's cursor on to ``position`` and clear its failures; False if it is gone (unregistered)."""
    values: dict[str, object] = {"delivered_position": position, "failures": 0, "next_attempt_at": None,
                                 "last_error": None}
    if delivered:
        values["delivered_at"] = at
    result = connection.execute(update(event_listeners).where(_li.id == listener_id, _li.delivered_position < position)
                                .values(**values))
    return int(result.rowcount) > 0


def listener_failed(connection: Connection, listener_id: str, failures: int, next_attempt_at: datetime,
                    error: str) -> bool:
    """Record a failed delivery: the listener is tried again, at the same event, at ``next_attempt_at``."""
    result = connection.execute(update(event_listeners).where(_li.id == listener_id).values(
        failures=failures, next_attempt_at=next_attempt_at, last_error=error[:2000]))
    return int(result.rowcount) > 0
