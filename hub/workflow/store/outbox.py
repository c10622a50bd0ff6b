"""The event outbox and the listeners' registrations (TMF621's hub model), read and written beside the work orders.

An event is written by the transaction that changed its work order (``WorkOrderTransaction.add_event``), so it
exists if and only if the change committed. A publisher reads the pending events in the order they were written
(``pending_events``), delivers them, and only then marks them published (``mark_published``): a crash in between
delivers them again — at least once, each with its stable ``event_id`` for the listener to drop a repeat. Per work
order the order of writing is the order of ``seq``. Run one publisher per database: two would deliver in order each,
but twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from hub.workflow.store.schema import event_listeners, work_order_events

__all__ = ["Listener", "PendingEvent", "add_listener", "listeners", "mark_published", "pending_events",
           "remove_listener"]

_ev = work_order_events.c


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


def pending_events(connection: Connection, limit: int = 100) -> list[PendingEvent]:
    """The oldest events not yet published (the partial index ``ix_work_order_events_unpublished`` holds them)."""
    rows = connection.execute(
        select(_ev.position, _ev.event_id, _ev.work_order_id, _ev.seq, _ev.kind, _ev.payload, _ev.created_at)
        .where(_ev.published_at.is_(None)).order_by(_ev.position).limit(limit)
    ).all()
    return [PendingEvent(int(r[0]), str(r[1]), str(r[2]), int(r[3]), str(r[4]), str(r[5]), r[6]) for r in rows]


def mark_published(connection: Connection, event_ids: Sequence[str], at: datetime) -> None:
    for start in range(0, len(event_ids), 500):
        chunk = list(event_ids[start:start + 500])
        connection.execute(update(work_order_events).where(_ev.event_id.in_(chunk), _ev.published_at.is_(None))
                           .values(published_at=at))


def add_listener(connection: Connection, callback_url: str, filter_text: str | None, at: datetime) -> Listener:
    listener = Listener(str(uuid.uuid4()), callback_url, filter_text, at)
    connection.execute(event_listeners.insert().values(
        id=listener.id, callback_url=callback_url, filter=filter_text, created_at=at))
    return listener


def remove_listener(connection: Connection, listener_id: str) -> bool:
    gone = connection.execute(delete(event_listeners).where(event_listeners.c.id == listener_id)
                              .returning(event_listeners.c.id)).first()
    return gone is not None


def listeners(connection: Connection) -> list[Listener]:
    rows = connection.execute(select(event_listeners).order_by(event_listeners.c.created_at, event_listeners.c.id))
    return [Listener(str(r.id), str(r.callback_url), r.filter, r.created_at) for r in rows]
