"""The group customer a work order's customer belongs to (``group_id``, ``group_name``, ``group_role``): a group's
ordinary members are served like contract customers and key persons like VIPs, "always marked as group customers",
but the work order kept only the winning tier (a GoTone gold VIP who is also a group's member was VIP_GOLD and no
more), so group customers' complaint lists and figures under-counted. Written from BOSS's tier answer at creation or
when BOSS gives the tier late (``hub.workflow.group_membership``: of several groups, the highest identity's), shown
in QueryWorkOrder(s)' ``wo:Group`` and filtered by QueryWorkOrders' ``GroupId``, newest first off the index on
(group_id, created_at, id), as the area and tier filters (0016). Work orders created before this revision, and those
of customers in no group, keep them empty.

Adding the columns changes no row (NULL); building the index reads the table once (on PostgreSQL it holds writes to
``work_orders`` meanwhile, as every migration's statements do).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision: str | None = "0019"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("group_id", sa.String(32)))
        batch.add_column(sa.Column("group_name", sa.String(200)))
        batch.add_column(sa.Column("group_role", sa.String(32)))
    op.create_index("ix_work_orders_group_created", "work_orders", ["group_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_work_orders_group_created", table_name="work_orders")
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("group_role")
        batch.drop_column("group_name")
        batch.drop_column("group_id")
