"""The NetworkComplaintDispatches the hub sent, by MessageId (``nsp_dispatches``): which work order each was for.

A dispatch's MessageId is derived (``hub.routing.message_ids``: a hash of the causing message, the consumer and the
step), so the work order it was sent for cannot be read back from it; NSP's reply carries it as its CorrelationId,
and the hub looks it up here to refuse a reply that names another work order than the dispatch it answers
(``hub.workflow.system_callbacks``). A dispatch sent again under the same id (its message redelivered) is kept once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Insert, bindparam, select
from sqlalchemy.engine import Connection

from hub.workflow.store.dialect import insert_ignore
from hub.workflow.store.schema import nsp_dispatches

__all__ = ["dispatched_work_order", "record_nsp_dispatch"]

_nd = nsp_dispatches.c


_RECORD: dict[str, Insert] = {}  # by dialect: one statement object, compiled once (it is on every dispatch's path)
_FOUND = select(_nd.work_order_id).where(_nd.message_id == bindparam("message_id"))


def record_nsp_dispatch(db: Connection, message_id: str, work_order_id: str, now: datetime) -> None:
    """Keep that the dispatch ``message_id`` was sent for ``work_order_id`` (once: a redelivery sends the same id,
    and the insert of a kept one does nothing)."""
    statement = _RECORD.get(db.dialect.name)
    if statement is None:
        statement = _RECORD[db.dialect.name] = insert_ignore(db, nsp_dispatches)
    db.execute(statement, {"message_id": message_id, "work_order_id": work_order_id, "sent_at": now})


def dispatched_work_order(db: Connection, message_id: str) -> str | None:
    """The work order the hub sent the dispatch ``message_id`` for; None when it sent no dispatch of that id (a
    reply made by hand, a dispatch from before revision 0019)."""
    found = db.execute(_FOUND, {"message_id": message_id}).scalar_one_or_none()
    return None if found is None else str(found)
