"""A repeat complaint held for the open one it repeats (``work_orders.repeat_of``, indexed): the intake holds back the
dispatch of a repeat of an open complaint a department holds and suspends it; the open one's reply answers its held
repeats and its cancellation releases them to the intake desk (``hub.workflow.held_repeats``), found by this index
without a scan. Work orders kept before stay unlinked (a repeat held before this revision waits ACCEPTED, as then).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision: str | None = "0027"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("work_orders", sa.Column("repeat_of", sa.String(64), nullable=True))
    op.create_index("ix_work_orders_repeat_of", "work_orders", ["repeat_of"])


def downgrade() -> None:
    op.drop_index("ix_work_orders_repeat_of", table_name="work_orders")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops an unindexed column in place: a batch's copy of the table could not drop the old one
        # while rows of other tables (oa_items, the history) reference it with foreign keys on
        op.execute("ALTER TABLE work_orders DROP COLUMN repeat_of")
    else:
        op.drop_column("work_orders", "repeat_of")
