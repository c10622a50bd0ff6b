"""The unit of work of one message: its effects on work orders and its processed-message record, one transaction.

``open_unit`` begins the transaction and takes the message id (see ``dialect.lock_message``); if the id was
processed already the transaction is closed at once and the unit is a ``duplicate`` carrying the recorded outcome
and answer. Otherwise the caller changes work orders through the unit and ends it with ``commit()`` (which writes
the processed row in the same transaction) or ``rollback()`` (nothing of it remains).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from hub.store.base import ClaimBusyError, Recorded
from hub.workflow.store.dialect import insert_ignore, lock_message
from hub.workflow.store.records import HistoryEntry, new_work_order_id
from hub.workflow.store.schema import deadlines, processed_messages, work_order_events, work_order_history, work_orders

__all__ = ["StaleWorkOrderError", "UnknownWorkOrderError", "WorkOrderTransaction", "open_unit"]

log = logging.getLogger("onepoint.workflow.store")

_ID_ATTEMPTS = 8


class UnknownWorkOrderError(LookupError):
    """No work order has this id."""


class StaleWorkOrderError(RuntimeError):
    """The work order changed since it was read (its ``version`` moved on)."""


class WorkOrderTransaction:
    """Changes of one transaction. ``duplicate``: the message was processed before; nothing may be changed."""

    def __init__(self, connection: Connection | None, message_id: str | None, recorded: Recorded | None) -> None:
        self.connection = connection
        self.message_id = message_id
        self.duplicate = recorded is not None
        self.outcome: str | None = recorded.outcome if recorded is not None else None
        self.reply: bytes | None = recorded.reply if recorded is not None else None

    @property
    def db(self) -> Connection:
        if self.duplicate or self.connection is None:
            raise RuntimeError(f"message {self.message_id} was already processed: its transaction changes nothing")
        return self.connection

    def complete(self, outcome: str = "done", *, reply: bytes | None = None) -> None:
        """The outcome (and answer) recorded with the message id when the transaction commits."""
        if self.duplicate:
            raise RuntimeError(f"message {self.message_id} was already processed")
        self.outcome, self.reply = outcome, reply

    # -- work orders ---------------------------------------------------------------------------------------------

    def insert_work_order(self, row: Mapping[str, Any], *, history: Sequence[HistoryEntry] = ()) -> str:
        """Insert a work order (its id drawn from ``created_at`` when ``row`` has none); returns its id."""
        values = {"updated_at": row["created_at"], **row, "version": 1}
        if "id" in row:
            self.db.execute(work_orders.insert().values(values))
            work_order_id = str(row["id"])
        else:
            for _ in range(_ID_ATTEMPTS):
                work_order_id = new_work_order_id(row["created_at"])
                inserted = insert_ignore(self.db, work_orders).values({**values, "id": work_order_id})
                if self.db.execute(inserted.returning(work_orders.c.id)).first() is not None:
                    break
                log.warning("work-order id collision, drawing again", extra={"work_order_id": work_order_id})
            else:
                raise RuntimeError(f"no free work-order id after {_ID_ATTEMPTS} draws")
        self.append_history(work_order_id, history)
        return work_order_id

    def get(self, work_order_id: str, *, for_update: bool = True) -> dict[str, Any] | None:
        """The work order's row; ``for_update`` locks it until the transaction ends (PostgreSQL; SQLite's write
        lock is held already)."""
        query = select(work_orders).where(work_orders.c.id == work_order_id)
        if for_update:
            query = query.with_for_update()
        found = self.db.execute(query).mappings().first()
        return None if found is None else dict(found)

    def update(self, work_order_id: str, changes: Mapping[str, Any], *, history: Sequence[HistoryEntry] = (),
               expected_version: int | None = None) -> int:
        """Apply ``changes`` and append ``history``; returns the new version. ``expected_version`` guards against
        a change made since the caller read the row (``StaleWorkOrderError``)."""
        query = update(work_orders).where(work_orders.c.id == work_order_id)
        if expected_version is not None:
            query = query.where(work_orders.c.version == expected_version)
        result = self.db.execute(
            query.values({**changes, "version": work_orders.c.version + 1}).returning(work_orders.c.version)
        ).first()
        if result is None:
            if expected_version is not None and self.get(work_order_id, for_update=False) is not None:
                raise StaleWorkOrderError(f"work order {work_order_id} is no longer at version {expected_version}")
            raise UnknownWorkOrderError(work_order_id)
        self.append_history(work_order_id, history)
        return int(result[0])

    def append_history(self, work_order_id: str, entries: Iterable[HistoryEntry]) -> None:
        rows = [entry.columns() for entry in entries]
        if not rows:
            return
        seq = self._next_seq(work_order_history.c.seq, work_order_history.c.work_order_id, work_order_id)
        for offset, row in enumerate(rows):
            row.update(work_order_id=work_order_id, seq=seq + offset)
            if row["message_id"] is None:
                row["message_id"] = self.message_id
        self.db.execute(work_order_history.insert(), rows)

    def replace_deadlines(self, work_order_id: str, due: Iterable[tuple[str, datetime]]) -> None:
        """The work order's open deadlines become ``due`` (kind, due time); deadlines already fired stay."""
        self.db.execute(delete(deadlines).where(deadlines.c.work_order_id == work_order_id,
                                                 deadlines.c.fired_at.is_(None)))
        rows = [{"work_order_id": work_order_id, "kind": kind, "due_at": due_at} for kind, due_at in due]
        if rows:
            self.db.execute(deadlines.insert(), rows)

    def add_event(self, work_order_id: str, kind: str, payload: str, *, at: datetime) -> str:
        """Put an event in the outbox (delivered to listeners after commit, in ``seq`` order); returns its id."""
        event_id = str(uuid.uuid4())
        seq = self._next_seq(work_order_events.c.seq, work_order_events.c.work_order_id, work_order_id)
        self.db.execute(work_order_events.insert().values(
            event_id=event_id, work_order_id=work_order_id, seq=seq, kind=kind, payload=payload, created_at=at))
        return event_id

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: an exception inside undoes only what was done inside."""
        with self.db.begin_nested():
            yield

    def _next_seq(self, seq: Any, owner: Any, work_order_id: str) -> int:
        found = self.db.execute(select(func.coalesce(func.max(seq), 0)).where(owner == work_order_id)).scalar_one()
        return int(found) + 1

    # -- end -----------------------------------------------------------------------------------------------------

    def commit(self, recorded_at: datetime) -> None:
        """Record the message id (if any) with the outcome and commit everything together."""
        db = self.db
        try:
            if self.message_id is not None:
                db.execute(processed_messages.insert().values(
                    message_id=self.message_id, outcome=self.outcome or "done", reply=self.reply,
                    recorded_at=recorded_at))
            db.commit()
        finally:
            db.close()

    def rollback(self) -> None:
        if self.connection is not None and not self.duplicate:
            try:
                self.connection.rollback()
            finally:
                self.connection.close()


def recorded(connection: Connection, message_id: str) -> Recorded | None:
    found = connection.execute(
        select(processed_messages.c.outcome, processed_messages.c.reply)
        .where(processed_messages.c.message_id == message_id)
    ).first()
    return None if found is None else Recorded(str(found[0]), None if found[1] is None else bytes(found[1]))


def open_unit(engine: Engine, message_id: str | None) -> WorkOrderTransaction:
    """Begin a write transaction holding ``message_id``: a duplicate unit if it was processed; ``ClaimBusyError``
    if another transaction holds it (or SQLite's write lock stayed taken past the busy timeout)."""
    connection = engine.connect()
    try:
        try:
            connection.begin()
        except OperationalError as exc:
            raise ClaimBusyError(message_id or "(no message)") from exc
        if message_id is not None:
            if not lock_message(connection, message_id):
                raise ClaimBusyError(message_id)
            prior = recorded(connection, message_id)
            if prior is not None:
                connection.rollback()
                connection.close()
                return WorkOrderTransaction(None, message_id, prior)
    except BaseException:
        connection.rollback()
        connection.close()
        raise
    return WorkOrderTransaction(connection, message_id, None)
