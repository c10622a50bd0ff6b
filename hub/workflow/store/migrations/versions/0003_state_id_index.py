"""The state index carries the work-order id: a pass over every open work order (deadline recalculation after an
SLA table or calendar change) reads them state by state in id order, a chunk at a time, from the index alone.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.drop_index("ix_work_orders_state", table_name="work_orders")
    op.create_index("ix_work_orders_state_id", "work_orders", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_work_orders_state_id", table_name="work_orders")
    op.create_index("ix_work_orders_state", "work_orders", ["state"])
