"""The repeat-complaint mark kept on the work order (``repeat_complaint``): CreateWorkOrder's answer gave it once;
QueryWorkOrder and QueryWorkOrders now show it too. Work orders created before this revision keep it empty (not
shown: whether they were repeats was not recorded).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("repeat_complaint", sa.Boolean()))


def downgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("repeat_complaint")
