"""The account manager of a VIP or group customer's work order kept (``account_manager_id``): BOSS named the manager
when the tier was known (CreateWorkOrder, or the tier recheck), and the return-visit notice at the reply goes to the
same manager without asking BOSS again (a reply while BOSS was down dropped it). Work orders created before this
revision keep it empty; their notice still asks BOSS.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("account_manager_id", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("account_manager_id")
