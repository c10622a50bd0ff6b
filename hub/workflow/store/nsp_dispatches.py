"""The NetworkComplaintDispatches the hub sent, by MessageId (``nsp_dispatches``): which work order each was for.

A dispatch's MessageId is derived (``hub.routing.message_ids``: a hash of the causing message, the consumer and the
step), so the work order it was sent for cannot be read back from it; NSP's reply carries it as its CorrelationId,
and the hub looks it up here to refuse a reply that names another work order than the dispatch it answers
(``hub.workflow.system_callbacks``). A dispatch sent again under the same id (its message redelivered) is kept once.

Kept as long as NSP may still answer: ``purge_nsp_dispatches`` (run by the workflow's retention,
``hub.workflow.retention``) deletes the rows of work orders closed or cancelled before a cutoff. It walks the table
in the order dispatches were sent (``ix_nsp_dispatches_sent``, revision 0022), only the rows sent before the
cutoff (a work order finished before it was dispatched before it), ``batch`` rows a transaction, each batch after
the last row of the one before, so the rows of open work orders are read once a pass, not once a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, and_, bindparam, delete, or_, select
from sqlalchemy.engine import Connection

from hub.workflow.store.dialect import insert_ignore
from hub.workflow.store.prepared import Prepared
from hub.workflow.store.schema import nsp_dispatches, work_orders

__all__ = ["PURGE_BATCH", "dispatched_work_order", "purge_nsp_dispatches", "record_nsp_dispatch"]

PURGE_BATCH = 2000  # rows read per transaction (as the other purges': hub.workflow.store.retention)
FINISHED = ("CLOSED", "CANCELLED")  # hub.workflow.lifecycle.FINAL (the store knows no lifecycle)

_nd, _wo = nsp_dispatches.c, work_orders.c
_WINDOW = (select(_nd.message_id, _nd.sent_at, and_(_wo.state.in_(FINISHED), _wo.closed_at < bindparam("cutoff")))
           .select_from(nsp_dispatches.join(work_orders, _wo.id == _nd.work_order_id))
           .where(_nd.sent_at < bindparam("cutoff")))


_RECORD: dict[str, Prepared] = {}  # by dialect: one statement, compiled once (it is on every dispatch's path)
_FOUND = select(_nd.work_order_id).where(_nd.message_id == bindparam("message_id"))


def record_nsp_dispatch(db: Connection, message_id: str, work_order_id: str, now: datetime) -> None:
    """Keep that the dispatch ``message_id`` was sent for ``work_order_id`` (once: a redelivery sends the same id,
    and the insert of a kept one does nothing)."""
    statement = _RECORD.get(db.dialect.name)
    if statement is None:
        statement = _RECORD[db.dialect.name] = Prepared(insert_ignore(db, nsp_dispatches))
    statement.execute(db, {"message_id": message_id, "work_order_id": work_order_id, "sent_at": now})


def dispatched_work_order(db: Connection, message_id: str) -> str | None:
    """The work order the hub sent the dispatch ``message_id`` for; None when it sent no dispatch of that id (a
    reply made by hand, a dispatch from before revision 0019)."""
    found = db.execute(_FOUND, {"message_id": message_id}).scalar_one_or_none()
    return None if found is None else str(found)


def _purge_batch(connection: Connection, cutoff: datetime, after: tuple[datetime, str] | None,
                 batch: int) -> tuple[int, tuple[datetime, str] | None, bool]:
    """The next ``batch`` dispatches sent before ``cutoff`` after ``after`` (sent at, message id), those of work
    orders finished before ``cutoff`` deleted. Returns (deleted, the last row read, whether the batch was full)."""
    window = _WINDOW
    if after is not None:
        window = window.where(or_(_nd.sent_at > after[0], and_(_nd.sent_at == after[0], _nd.message_id > after[1])))
    rows = connection.execute(window.order_by(_nd.sent_at, _nd.message_id).limit(batch),
                              {"cutoff": cutoff}).all()
    gone = [str(message_id) for message_id, _sent_at, finished in rows if finished]
    deleted = connection.execute(delete(nsp_dispatches).where(_nd.message_id.in_(gone))).rowcount if gone else 0
    last = (rows[-1][1], str(rows[-1][0])) if rows else after
    return max(deleted, 0), last, len(rows) == batch


def purge_nsp_dispatches(engine: Engine, cutoff: datetime, *, batch: int = PURGE_BATCH,
                         between: Callable[[], bool] = lambda: False) -> int:
    """Delete the dispatches of work orders closed or cancelled before ``cutoff``, reading ``batch`` rows a
    transaction; ``between()`` is called between two full batches (a pause) and stops the purge if true. Returns
    how many went."""
    purged: int = 0
    after: tuple[datetime, str] | None = None
    while True:
        with engine.begin() as connection:
            deleted, after, full = _purge_batch(connection, cutoff, after, batch)
        purged += deleted
        if not full or between():
            return purged
