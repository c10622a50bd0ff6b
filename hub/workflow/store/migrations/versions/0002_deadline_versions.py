"""What recalculating a work order's deadlines needs beside its history: the SLA table's and the calendars'
versions its deadlines were computed from, and when its first response and return visit were made.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_COLUMNS = ("sla_version", "calendar_version", "first_responded_at", "return_visited_at")


def upgrade() -> None:
    op.add_column("work_orders", sa.Column("sla_version", sa.String(32)))
    op.add_column("work_orders", sa.Column("calendar_version", sa.String(32)))
    op.add_column("work_orders", sa.Column("first_responded_at", UTCDateTime()))
    op.add_column("work_orders", sa.Column("return_visited_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
