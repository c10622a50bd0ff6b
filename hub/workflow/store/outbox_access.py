"""The event outbox and its listeners as ``WorkOrderStore`` offers them (``outbox`` has the statements): each call
its own short transaction, a read-only one for reads. A base of ``WorkOrderStore``, which gives it ``engine`` and
``_reading``."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from hub.workflow.store.outbox import (
    Listener,
    PendingEvent,
    add_listener,
    advance_listener,
    events_after,
    listener,
    listener_failed,
    listeners,
    mark_published,
    mark_published_through,
    outbox_end,
    pending_events,
    remove_listener,
)
from hub.workflow.store.writers import running_writers

__all__ = ["OutboxAccess"]


class OutboxAccess:
    """The outbox's and the listeners' calls of the store."""

    engine: Engine

    def _reading(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def pending_events(self, limit: int = 100) -> list[PendingEvent]:
        with self._reading() as connection:
            return pending_events(connection, limit)

    def mark_published(self, event_ids: Sequence[str], at: datetime) -> None:
        with self.engine.begin() as connection:
            mark_published(connection, event_ids, at)

    def add_listener(self, callback_url: str, filter_text: str | None, at: datetime, *,
                     source_system: str | None = None) -> Listener:
        with self.engine.begin() as connection:
            return add_listener(connection, callback_url, filter_text, at, source_system=source_system)

    def remove_listener(self, listener_id: str) -> bool:
        with self.engine.begin() as connection:
            return remove_listener(connection, listener_id)

    def listeners(self) -> list[Listener]:
        with self._reading() as connection:
            return listeners(connection)

    def listener(self, listener_id: str) -> Listener | None:
        with self._reading() as connection:
            return listener(connection, listener_id)

    def events_after(self, position: int, limit: int = 100) -> list[PendingEvent]:
        with self._reading() as connection:
            return events_after(connection, position, limit)

    def advance_listener(self, listener_id: str, position: int, at: datetime, *, delivered: bool) -> bool:
        with self.engine.begin() as connection:
            return advance_listener(connection, listener_id, position, at, delivered=delivered)

    def listener_failed(self, listener_id: str, failures: int, next_attempt_at: datetime, error: str) -> bool:
        with self.engine.begin() as connection:
            return listener_failed(connection, listener_id, failures, next_attempt_at, error)

    def running_writers(self) -> frozenset[int] | None:
        """This database's other open writing transactions (PostgreSQL; None on SQLite): `store.writers`."""
        if self.engine.dialect.name != "postgresql":
            return None
        with self.engine.connect() as connection:
            return running_writers(connection)

    def outbox_end(self) -> int:
        with self._reading() as connection:
            return outbox_end(connection)

    def mark_published_through(self, position: int, at: datetime) -> int:
        with self.engine.begin() as connection:
            return mark_published_through(connection, position, at)
