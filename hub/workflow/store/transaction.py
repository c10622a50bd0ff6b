"""The unit of work of one message: its effects on work orders and its processed-message record, one transaction.

``open_unit`` begins the transaction and looks the message id up, holding it if it is not recorded
(``claiming.claimable``); if the id was processed already the transaction is closed at once and the unit is a
``duplicate`` carrying the recorded outcome and answer. Otherwise the caller changes work orders through the unit
and ends it with ``commit()`` (which writes the processed row in the same transaction) or ``rollback()`` (nothing
of it remains).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from hub.store.base import ClaimBusyError, Recorded
from hub.workflow.store import statements as st
from hub.workflow.store.claiming import claimable
from hub.workflow.store.prepared import Prepared, run_driver_sql
from hub.workflow.store.records import HistoryEntry, new_work_order_id

__all__ = ["AtCommit", "StaleWorkOrderError", "UnknownWorkOrderError", "WorkOrderTransaction", "open_unit"]

log = logging.getLogger("onepoint.workflow.store")

_ID_ATTEMPTS = 8

# The writes of every work order's creation and change, run on the driver's cursor (``prepared``: SQLite).
_INSERT_WORK_ORDER = Prepared(st.INSERT_WORK_ORDER)
_INSERT_NEW_WORK_ORDER = {dialect: Prepared(st.insert_new_work_order(dialect)) for dialect in ("sqlite", "postgresql")}
_UPDATE_WORK_ORDER = Prepared(st.UPDATE_WORK_ORDER)
_UPDATE_WORK_ORDER_AT_VERSION = Prepared(st.UPDATE_WORK_ORDER_AT_VERSION)
_INSERT_HISTORY = Prepared(st.INSERT_HISTORY)
_DELETE_OPEN_DEADLINES = Prepared(st.DELETE_OPEN_DEADLINES)
_INSERT_DEADLINES = Prepared(st.INSERT_DEADLINES)
_INSERT_EVENT = Prepared(st.INSERT_EVENT)
_INSERT_PROCESSED = Prepared(st.INSERT_PROCESSED)

AtCommit = Callable[[Connection, Mapping[Any, int]], None]  # writes additions held for the commit


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
        self.keeps_answer = True  # False: the message only reads, its record keeps no answer (``only_reads``)
        self._seqs: dict[tuple[str, str], int] = {}  # last history / event seq per work order, in this transaction
        self._without_deadlines: set[str] = set()  # work orders known to have no open deadline
        self._at_commit: list[tuple[AtCommit, Mapping[Any, int]]] = []  # additions written just before the commit

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

    def insert_work_order(self, row: Mapping[str, Any], *, history: Sequence[HistoryEntry] = (),
                          id_zone: tzinfo | None = None, id_key: str | None = None,
                          id_at: datetime | None = None) -> str:
        """Insert a work order; returns its id. When ``row`` has none, it is drawn (``new_work_order_id``) with
        the date of ``id_at`` (default ``created_at``) in ``id_zone`` (else in its own zone) and, given ``id_key``,
        from it: the same key and instant give the same id again."""
        values = {"updated_at": row["created_at"], **row, "version": 1}
        if "id" in row:
            _INSERT_WORK_ORDER.execute(self.db, values)
            work_order_id = str(row["id"])
        else:
            insert, dated = _INSERT_NEW_WORK_ORDER[self.db.dialect.name], id_at or row["created_at"]
            for draw in range(_ID_ATTEMPTS):
                work_order_id = new_work_order_id(dated if id_zone is None else dated.astimezone(id_zone),
                                                  id_key, draw)
                if insert.execute(self.db, {**values, "id": work_order_id}) is not None:
                    break
                log.warning("work-order id collision, drawing again", extra={"work_order_id": work_order_id})
            else:
                raise RuntimeError(f"no free work-order id after {_ID_ATTEMPTS} draws")
        self._seqs[("history", work_order_id)] = self._seqs[("events", work_order_id)] = 0
        self._without_deadlines.add(work_order_id)
        self.append_history(work_order_id, history)
        return work_order_id

    def get(self, work_order_id: str, *, for_update: bool = True) -> dict[str, Any] | None:
        """The work order's row; ``for_update`` locks it until the transaction ends (PostgreSQL; SQLite's write
        lock is held already)."""
        query = st.SELECT_WORK_ORDER_FOR_UPDATE if for_update else st.SELECT_WORK_ORDER
        found = self.db.execute(query, {"wid": work_order_id}).mappings().first()
        return None if found is None else dict(found)

    def update(self, work_order_id: str, changes: Mapping[str, Any], *, history: Sequence[HistoryEntry] = (),
               expected_version: int | None = None) -> int:
        """Apply ``changes`` and append ``history``; returns the new version. ``expected_version`` guards against
        a change made since the caller read the row (``StaleWorkOrderError``)."""
        if "version" in changes or "id" in changes:
            raise ValueError("a work order's id and version are the store's to set")
        if expected_version is None:
            result = _UPDATE_WORK_ORDER.execute(self.db, {**changes, "wid": work_order_id})
        else:
            result = _UPDATE_WORK_ORDER_AT_VERSION.execute(
                self.db, {**changes, "wid": work_order_id, "expected_version": expected_version})
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
        seq = self._take_seqs("history", work_order_id, len(rows))
        for offset, row in enumerate(rows):
            row.update(work_order_id=work_order_id, seq=seq + offset)
            if row["message_id"] is None:
                row["message_id"] = self.message_id
        _INSERT_HISTORY.executemany(self.db, rows)

    def replace_deadlines(self, work_order_id: str, due: Iterable[tuple[str, datetime]]) -> None:
        """The work order's open deadlines become ``due`` (kind, due time); deadlines already fired stay."""
        if work_order_id not in self._without_deadlines:
            _DELETE_OPEN_DEADLINES.execute(self.db, {"wid": work_order_id})
        rows = [{"work_order_id": work_order_id, "kind": kind, "due_at": due_at} for kind, due_at in due]
        if rows:
            _INSERT_DEADLINES.executemany(self.db, rows)
            self._without_deadlines.discard(work_order_id)
        else:
            self._without_deadlines.add(work_order_id)

    def add_event(self, work_order_id: str, kind: str, payload: str, *, at: datetime,
                  event_id: str | None = None) -> str:
        """Put an event in the outbox (delivered to listeners after commit, in ``seq`` order); returns its id
        (``event_id`` when given: a payload may carry its own id)."""
        event_id = event_id or str(uuid.uuid4())
        seq = self._take_seqs("events", work_order_id, 1)
        _INSERT_EVENT.execute(self.db, {"event_id": event_id, "work_order_id": work_order_id, "seq": seq,
                                        "kind": kind, "payload": payload, "created_at": at})
        return event_id

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

    def _take_seqs(self, series: Literal["history", "events"], work_order_id: str, count: int) -> int:
        """The first of ``count`` next sequence numbers of the work order's history or events. The last one is
        remembered for the rest of the transaction, which holds the work order (its row lock or SQLite's)."""
        last = self._seqs.get((series, work_order_id))
        if last is None:
            query = st.NEXT_HISTORY_SEQ if series == "history" else st.NEXT_EVENT_SEQ
            last = int(self.db.execute(query, {"wid": work_order_id}).scalar_one())
        self._seqs[(series, work_order_id)] = last + count
        return last + 1

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
