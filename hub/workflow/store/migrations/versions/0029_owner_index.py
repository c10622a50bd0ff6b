"""QueryWorkOrders by owner (``Owner``, ``onepoint workorders list --owner``) reads its page off the index on
(owner, created_at, id), newest first, as the area, tier (0016) and group (0020) filters do: before, no index held
the owner, and a department's page read every work order of the store (``SCAN work_orders``: 248 ms a page on
1,100,000 work orders, growing with the store).

Building the index reads the table once and changes no row (on PostgreSQL it holds writes to ``work_orders``
meanwhile, as every migration's statements do).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision: str | None = "0028"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_work_orders_owner_created", "work_orders", ["owner", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_work_orders_owner_created", table_name="work_orders")
