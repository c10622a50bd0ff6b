"""What a unit of work writes of work orders, on its transaction's connection: a work order inserted (its id drawn
when it has none), read and updated (``expected_version`` guards a change made since it was read), its history
appended, its open deadlines replaced and its events put in the outbox, each series numbered by ``seq`` in the
order written.

``WorkOrderWrites`` is the base of ``hub.workflow.store.transaction.WorkOrderTransaction``, whose ``__init__`` sets
the state it works on. The writes of every creation and change are prepared statements run on the driver's cursor
(``hub.workflow.store.prepared``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, Literal

from sqlalchemy.engine import Connection

from hub.store.keys import former_key
from hub.workflow.store import statements as st
from hub.workflow.store.prepared import Prepared
from hub.workflow.store.records import HistoryEntry, new_work_order_id

__all__ = ["StaleWorkOrderError", "UnknownWorkOrderError", "WorkOrderWrites"]

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


class UnknownWorkOrderError(LookupError):
    """No work order has this id."""


class StaleWorkOrderError(RuntimeError):
    """The work order changed since it was read (its ``version`` moved on)."""


class WorkOrderWrites:
    """The work-order writes of ``WorkOrderTransaction``; its ``__init__`` sets these attributes."""

    connection: Connection | None
    message_id: str | None
    duplicate: bool
    _seqs: dict[tuple[str, str], int]
    _without_deadlines: set[str]
    _inserted: set[str]

    @property
    def db(self) -> Connection:
        if self.duplicate or self.connection is None:
            raise RuntimeError(f"message {self.message_id} was already processed: its transaction changes nothing")
        return self.connection

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
        self._inserted.add(work_order_id)
        self.append_history(work_order_id, history)
        return work_order_id

    def inserted_here(self, work_order_id: str) -> bool:
        """Whether this transaction inserted the work order: nothing of it was sent or recorded before (no OA
        item, no dispatch), so what only undoes earlier sends has nothing to read."""
        return work_order_id in self._inserted

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
            if row["message_id"] is None:  # the claim's key, as it read before the source was part of it
                row["message_id"] = self._history_message_id()
        _INSERT_HISTORY.executemany(self.db, rows)

    def _history_message_id(self) -> str | None:
        """What a history row of this transaction names as its causing message when its entry names none: the key
        of the claim (``"workflow:<MessageId>"``, valid as a MessageId), written as it was before the source system
        was part of the key (``hub.store.keys``), so history reads the same and stays a valid ``c:MessageId``."""
        return None if self.message_id is None else former_key(self.message_id) or self.message_id

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

    def _take_seqs(self, series: Literal["history", "events"], work_order_id: str, count: int) -> int:
        """The first of ``count`` next sequence numbers of the work order's history or events. The last one is
        remembered for the rest of the transaction, which holds the work order (its row lock or SQLite's)."""
        last = self._seqs.get((series, work_order_id))
        if last is None:
            query = st.NEXT_HISTORY_SEQ if series == "history" else st.NEXT_EVENT_SEQ
            last = int(self.db.execute(query, {"wid": work_order_id}).scalar_one())
        self._seqs[(series, work_order_id)] = last + count
        return last + 1
