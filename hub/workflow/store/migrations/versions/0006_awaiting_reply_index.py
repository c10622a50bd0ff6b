"""The complaints awaiting their reply, in a partial covering index: the statistics' overdue count (open
complaints past their reply limit, per tier, within a window of creation days, optionally one area) reads it
alone, however many closed work orders the store holds.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.schema import AWAITING_REPLY

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_work_orders_awaiting_reply", "work_orders", ["created_at", "reply_due", "tier", "area_code"],
                    sqlite_where=sa.text(AWAITING_REPLY), postgresql_where=sa.text(AWAITING_REPLY))


def downgrade() -> None:
    op.drop_index("ix_work_orders_awaiting_reply", table_name="work_orders")
