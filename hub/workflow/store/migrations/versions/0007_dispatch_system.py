"""The system a work order's last dispatch went to (``dispatch_system``): NSP's reply is taken only for a work order
dispatched to NSP. Work orders dispatched before this revision keep it empty (their target was not recorded; NSP's
reply is taken for them as before).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("dispatch_system", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("dispatch_system")
