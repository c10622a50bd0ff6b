"""The to-dos and to-reads the hub pushed to OA, by work order (``oa_items``, revision 0026): what OA's
``QueryWorkOrder`` may read (``hub.workflow.work_order_readers``). OA's grant of QueryWorkOrder is for the links of
its items (``GET /workorders/ID``), so a work order is OA's to read once the hub pushed OA an item of it.

Each push is kept in the transaction that sends it (a handler's, the scheduler's pass), so the item is kept if and
only if the change that owed it committed; a push sent again under the same item id (a redelivery, a pass run again)
is kept once, at its first time. Work orders are never deleted, nor are their items: the link works as long as the
work order is there. Work orders from before revision 0026 got a row ``before-0026`` where their history shows an
item was pushed (the migration's backfill).

Since revision 0027 each item also keeps its kind (``todo``, ``toread``) and the user it went to, and a to-read the
hub withdrew when its work order was closed or cancelled (``hub.workflow.withdrawn_to_reads``) when it did so; rows
kept before have no kind and are never withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, exists, select, update
from sqlalchemy.engine import Connection

from hub.workflow.store.dialect import insert_ignore
from hub.workflow.store.prepared import Prepared
from hub.workflow.store.schema import nsp_dispatches, oa_items, work_orders

__all__ = [
    "TODO",
    "TO_READ",
    "OaToRead",
    "dispatched_to_nsp",
    "dispatched_to_nsp_clause",
    "has_oa_item",
    "has_oa_item_clause",
    "mark_withdrawn",
    "open_to_reads",
    "record_oa_item",
]

TODO, TO_READ = "todo", "toread"  # oa_items.kind: an oa:PushTodo's item, an oa:PushToRead's

_oi, _nd = oa_items.c, nsp_dispatches.c
_RECORD: dict[str, Prepared] = {}  # by dialect: compiled once (it is on every push's path)
# one indexed read each: the primary key's first column, the index ix_nsp_dispatches_work_order
_HAS_ITEM = Prepared(select(exists().where(_oi.work_order_id == bindparam("work_order_id"))))
_DISPATCHED = Prepared(select(exists().where(_nd.work_order_id == bindparam("work_order_id"))))


@dataclass(frozen=True, slots=True)
class OaToRead:
    """A to-read the hub pushed for a work order and has not withdrawn: its item id and the user it went to."""

    item_id: str
    user_id: str


def record_oa_item(db: Connection, work_order_id: str, item_id: str, now: datetime, *, kind: str | None = None,
                   user_id: str | None = None) -> None:
    """Keep that the hub pushed OA the item ``item_id`` of ``work_order_id``, a ``kind`` one (``TODO``,
    ``TO_READ``) for ``user_id`` (once: the insert of a kept one does nothing)."""
    statement = _RECORD.get(db.dialect.name)
    if statement is None:
        statement = _RECORD[db.dialect.name] = Prepared(insert_ignore(db, oa_items))
    statement.execute(db, {"work_order_id": work_order_id, "item_id": item_id, "pushed_at": now, "kind": kind,
                           "user_id": user_id, "withdrawn_at": None})


def open_to_reads(db: Connection, work_order_id: str) -> list[OaToRead]:
    """The to-reads the hub pushed for ``work_order_id`` and has not withdrawn, with their users, by item id (rows
    kept before revision 0027, of no kind or user, are not among them)."""
    rows = db.execute(select(_oi.item_id, _oi.user_id).where(
        _oi.work_order_id == work_order_id, _oi.kind == TO_READ, _oi.user_id.is_not(None),
        _oi.withdrawn_at.is_(None)).order_by(_oi.item_id))
    return [OaToRead(str(row.item_id), str(row.user_id)) for row in rows]


def mark_withdrawn(db: Connection, work_order_id: str, item_ids: list[str], now: datetime) -> None:
    """Keep that the hub withdrew the to-reads ``item_ids`` of ``work_order_id`` at ``now``."""
    if item_ids:
        db.execute(update(oa_items).where(_oi.work_order_id == work_order_id, _oi.item_id.in_(item_ids),
                                          _oi.withdrawn_at.is_(None)).values(withdrawn_at=now))


def has_oa_item(db: Connection, work_order_id: str) -> bool:
    """Whether the hub pushed OA any to-do or to-read of ``work_order_id``."""
    found = _HAS_ITEM.execute(db, {"work_order_id": work_order_id})
    return found is not None and bool(found[0])


def dispatched_to_nsp(db: Connection, work_order_id: str) -> bool:
    """Whether the hub sent NSP a NetworkComplaintDispatch of ``work_order_id`` (kept since revision 0019, while NSP
    may still answer: ``hub.workflow.store.nsp_dispatches``)."""
    found = _DISPATCHED.execute(db, {"work_order_id": work_order_id})
    return found is not None and bool(found[0])


def has_oa_item_clause() -> ColumnElement[bool]:
    """``has_oa_item`` as a condition on ``work_orders`` (QueryWorkOrders' scope for OA)."""
    return exists().where(_oi.work_order_id == work_orders.c.id)


def dispatched_to_nsp_clause() -> ColumnElement[bool]:
    """``dispatched_to_nsp`` as a condition on ``work_orders`` (QueryWorkOrders' scope for NSP)."""
    return exists().where(_nd.work_order_id == work_orders.c.id)
