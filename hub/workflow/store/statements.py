"""The store's frequent statements, built once: SQLAlchemy then reuses their cache keys and compiled forms, where a
statement built per call costs more Python than its execution (measured: a third of a work order's creation).

Values come as execution parameters: ``:wid`` the work order, ``:mid`` the message id, ``:expected_version``.
"""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from hub.workflow.store.schema import deadlines, processed_messages, work_order_events, work_order_history, work_orders

__all__ = [
    "DELETE_OPEN_DEADLINES",
    "INSERT_DEADLINES",
    "INSERT_EVENT",
    "INSERT_HISTORY",
    "INSERT_PROCESSED",
    "INSERT_WORK_ORDER",
    "NEXT_EVENT_SEQ",
    "NEXT_HISTORY_SEQ",
    "SELECT_PARTIES",
    "SELECT_PROCESSED",
    "SELECT_RECORDED_MANY",
    "SELECT_WORK_ORDER",
    "SELECT_WORK_ORDER_FOR_UPDATE",
    "UPDATE_WORK_ORDER",
    "UPDATE_WORK_ORDER_AT_VERSION",
    "insert_new_work_order",
]

_wo = work_orders.c

SELECT_WORK_ORDER = select(work_orders).where(_wo.id == bindparam("wid"))
SELECT_PARTIES = select(  # the SMS-log purpose check's one read (``parties``)
    _wo.msisdn, _wo.contact_number, _wo.state, _wo.occurred_at, _wo.created_at, _wo.closed_at
).where(_wo.id == bindparam("wid"))
SELECT_WORK_ORDER_FOR_UPDATE = SELECT_WORK_ORDER.with_for_update()
INSERT_WORK_ORDER = work_orders.insert()
UPDATE_WORK_ORDER = (
    update(work_orders).where(_wo.id == bindparam("wid")).values(version=_wo.version + 1).returning(_wo.version)
)
UPDATE_WORK_ORDER_AT_VERSION = (
    update(work_orders).where(_wo.id == bindparam("wid"), _wo.version == bindparam("expected_version"))
    .values(version=_wo.version + 1).returning(_wo.version)
)

INSERT_HISTORY = work_order_history.insert()
NEXT_HISTORY_SEQ = (
    select(func.coalesce(func.max(work_order_history.c.seq), 0))
    .where(work_order_history.c.work_order_id == bindparam("wid"))
)
INSERT_EVENT = work_order_events.insert()
NEXT_EVENT_SEQ = (
    select(func.coalesce(func.max(work_order_events.c.seq), 0))
    .where(work_order_events.c.work_order_id == bindparam("wid"))
)

INSERT_DEADLINES = deadlines.insert()
DELETE_OPEN_DEADLINES = delete(deadlines).where(
    deadlines.c.work_order_id == bindparam("wid"), deadlines.c.fired_at.is_(None)
)

INSERT_PROCESSED = processed_messages.insert()
SELECT_PROCESSED = select(processed_messages.c.outcome, processed_messages.c.reply).where(
    processed_messages.c.message_id == bindparam("mid")
)
SELECT_RECORDED_MANY = select(
    processed_messages.c.message_id, processed_messages.c.outcome, processed_messages.c.reply
).where(processed_messages.c.message_id.in_(bindparam("mids", expanding=True)))


@functools.cache
def insert_new_work_order(dialect: str) -> ReturningInsert[str]:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id``: the id comes back unless it was taken already."""
    insert = postgresql.insert(work_orders) if dialect == "postgresql" else sqlite.insert(work_orders)
    return insert.on_conflict_do_nothing().returning(_wo.id)
