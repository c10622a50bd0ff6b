"""The unit of work of one message: its effects on work orders and its processed-message record, one transaction.

``open_unit`` begins the transaction and looks the message id up, holding it if it is not recorded
(``claiming.claimable``); if the id was processed already the transaction is closed at once and the unit is a
``duplicate`` carrying the recorded outcome and answer. Otherwise the caller changes work orders through the unit
and ends it with ``commit()`` (which writes the processed row in the same transaction) or ``rollback()`` (nothing
of it remains).

The work-order writes themselves (insert, update, history, deadlines, outbox events) are the transaction's base
``WorkOrderWrites`` (``hub.workflow.store.work_order_writes``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from hub.store.base import ClaimBusyError, Recorded
from hub.workflow.store import statements as st
from hub.workflow.store.claiming import claimable
from hub.workflow.store.prepared import Prepared, run_driver_sql
from hub.workflow.store.work_order_writes import StaleWorkOrderError, UnknownWorkOrderError, WorkOrderWrites

__all__ = ["AtCommit", "StaleWorkOrderError", "UnknownWorkOrderError", "WorkOrderTransaction", "open_unit"]

_INSERT_PROCESSED = Prepared(st.INSERT_PROCESSED)

AtCommit = Callable[[Connection, Mapping[Any, int]], None]  # writes additions held for the commit


class WorkOrderTransaction(WorkOrderWrites):
    """Changes of one transaction. ``duplicate``: the message was processed before; nothing may be changed."""

    def __init__(self, connection: Connection | None, message_id: str | None, recorded: Recorded | None) -> None:
        self.connection = connection
        self.message_id = message_id
        self.duplicate = recorded is not None
        self.outcome: str | None = recorded.outcome if recorded is not None else None
        self.reply: bytes | None = recorded.reply if recorded is not None else None
        self.keeps_answer = True  # False: the message only reads, its record keeps no answer (``only_reads``)
        self._seqs: dict[tuple[str, str], int] = {}  # last history / event seq per work order, in this transaction
        self._without_deadlines: set[str] = set()  # work orders known to have no open deadline
        self._inserted: set[str] = set()  # work orders this transaction inserted (``inserted_here``)
        self._at_commit: list[tuple[AtCommit, Mapping[Any, int]]] = []  # additions written just before the commit

    def complete(self, outcome: str = "done", *, reply: bytes | None = None) -> None:
        """The outcome (and answer) recorded with the message id when the transaction commits."""
        if self.duplicate:
            raise RuntimeError(f"message {self.message_id} was already processed")
        self.outcome, self.reply = outcome, reply

    @contextmanager
    def savepoint(self, name: str | None = None) -> Iterator[None]:
        """A nested transaction: an exception inside undoes only what was done inside (the additions held for the
        commit too). ``name``: the SAVEPOINT statements issued directly (a few µs on SQLite's cursor against
        ~105 µs for SQLAlchemy's nested transaction, measured: a batch takes one per message); savepoints opened
        inside it may be either kind."""
        held, kept = self._at_commit, len(self._at_commit)  # undone: the additions held at the start, only
        try:
            if name is None:
                with self.db.begin_nested():
                    yield
            else:
                db = self.db
                run_driver_sql(db, f"SAVEPOINT {name}")
                try:
                    yield
                except BaseException:
                    run_driver_sql(db, f"ROLLBACK TO SAVEPOINT {name}")
                    run_driver_sql(db, f"RELEASE SAVEPOINT {name}")
                    raise
                run_driver_sql(db, f"RELEASE SAVEPOINT {name}")
        except BaseException:
            self._seqs.clear()  # what this transaction knew may have been undone: ask the database again
            self._without_deadlines.clear()
            self._inserted.clear()
            self._at_commit = held[:kept]  # (also when they were written inside: that write is undone too)
            raise

    def add_at_commit(self, write: AtCommit, counts: Mapping[Any, int]) -> None:
        """Add ``counts`` to what ``write(connection, counts)`` writes just before the commit, summed over the
        transaction: rows that many transactions add to (the statistics' counters) are then locked only for the
        commit, all at once and in the order ``write`` gives them, instead of from the first change of a batch to
        its end (two workers' batches would queue on them, or deadlock taking them in different orders)."""
        self._at_commit.append((write, dict(counts)))

    def write_held_additions(self) -> None:
        """Write the additions held for the commit now (``commit`` does it anyway)."""
        held, self._at_commit = self._at_commit, []
        totals: dict[AtCommit, dict[Hashable, int]] = {}
        for write, counts in held:
            total = totals.setdefault(write, {})
            for key, count in counts.items():
                total[key] = total.get(key, 0) + count
        for write, total in totals.items():
            if total:
                write(self.db, total)


    # -- end -----------------------------------------------------------------------------------------------------

    def commit(self, recorded_at: datetime) -> None:
        """Record the message id (if any) with the outcome and commit everything together."""
        db = self.db
        try:
            self.write_held_additions()
            if self.message_id is not None:
                _INSERT_PROCESSED.execute(db, {"message_id": self.message_id, "outcome": self.outcome or "done",
                                               "reply": self.reply, "recorded_at": recorded_at})
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
    found = connection.execute(st.SELECT_PROCESSED, {"mid": message_id}).first()
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
            claims = claimable(connection, [message_id])
            if claims.busy:
                raise ClaimBusyError(message_id)
            prior = claims.recorded.get(message_id)
            if prior is not None:
                connection.rollback()
                connection.close()
                return WorkOrderTransaction(None, message_id, prior)
    except BaseException:
        connection.rollback()
        connection.close()
        raise
    return WorkOrderTransaction(connection, message_id, None)
