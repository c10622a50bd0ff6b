"""The event listeners as their systems and the operator look at them (``workorder.QueryListeners``, ``onepoint
listeners list``): which listeners a system holds, and how far each is behind.

How far behind is counted on the outbox's primary key (``position``) after the listener's cursor, before its
filter is applied: one index range, never the events' payloads. Events its filter refuses count too, until the
publisher passes them with its next move; a parked listener's count grows until it is resumed (or the retention
purges what it has not passed, ``outbox.resume_listener``).
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from hub.workflow.store.outbox import Listener, listener_row
from hub.workflow.store.schema import event_listeners, work_order_events

__all__ = ["events_waiting", "listeners_of"]

_li = event_listeners.c


def listeners_of(connection: Connection, source_system: str) -> list[Listener]:
    """The listeners ``source_system`` may see, those it may unregister: its own and any registered without a
    system, in the order they were registered."""
    query = select(event_listeners).where(or_(_li.source_system == source_system, _li.source_system.is_(None)))
    return [listener_row(r) for r in connection.execute(query.order_by(_li.created_at, _li.id))]


def events_waiting(connection: Connection, position: int) -> int:
    """How many events the outbox holds after ``position`` (a listener's cursor)."""
    after = select(func.count()).select_from(work_order_events).where(work_order_events.c.position > position)
    return int(connection.execute(after).scalar_one())
