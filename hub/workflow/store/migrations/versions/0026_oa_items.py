"""The to-dos and to-reads the hub pushed to OA, by work order (``oa_items``): OA's QueryWorkOrder (its items'
links, ``GET /workorders/ID``) is answered only for a work order it has an item of
(``hub.workflow.work_order_readers``); before, OA's credential read any work order, the customer's numbers and whole
history included. NSP's, where a deployment grants it, only for a work order dispatched to NSP: the index on
``nsp_dispatches(work_order_id)``.

The work orders already there get one row ``before-0026`` where their history shows OA was pushed an item: an
escalation (a level above 0, an ``ESCALATE`` or ``escalation_level`` entry), a dispatch to a department that is not
NSP's or e-mailed (``dispatch_system``; one from before revision 0007, which has none, by its ``DISPATCH`` entry), a
deadline warning, a reminder, a to-do completed or closed, an outage notice linked. Reading the history once.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0026"
down_revision: str | None = "0025"
branch_labels: str | None = None
depends_on: str | None = None

_BACKFILL = """
INSERT INTO oa_items (work_order_id, item_id, pushed_at)
SELECT w.id, 'before-0026', w.updated_at FROM work_orders w
WHERE w.escalation_level > 0
   OR w.dispatch_system NOT IN ('NSP', 'MAIL')
   OR (w.dispatch_system IS NULL AND EXISTS (
        SELECT 1 FROM work_order_history h WHERE h.work_order_id = w.id AND h.action = 'DISPATCH'))
   OR EXISTS (
        SELECT 1 FROM work_order_history h WHERE h.work_order_id = w.id
           AND (h.action IN ('ESCALATE', 'WARNING', 'REMIND')
                OR h.field IN ('escalation_level', 'oa_todo', 'oa_todo_closed', 'outage_id')))
"""


def upgrade() -> None:
    op.create_table(
        "oa_items",
        sa.Column("work_order_id", sa.String(18), sa.ForeignKey("work_orders.id"), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("pushed_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_nsp_dispatches_work_order", "nsp_dispatches", ["work_order_id"])
    op.execute(_BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_nsp_dispatches_work_order", table_name="nsp_dispatches")
    op.drop_table("oa_items")
