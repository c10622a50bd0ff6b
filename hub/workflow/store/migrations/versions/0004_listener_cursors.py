"""Event listeners deliver from a cursor: each listener's last delivered outbox position, its failures in a row,
when it is tried next and the last error; who registered it and when it last succeeded. The events' kind holds the
TMF621 names (``TroubleTicketInformationRequiredEvent`` is longer than 32).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_COLUMNS = ("delivered_position", "failures", "next_attempt_at", "last_error", "delivered_at", "source_system")


def upgrade() -> None:
    with op.batch_alter_table("event_listeners") as batch:
        batch.add_column(sa.Column("delivered_position", Position, nullable=False, server_default="0"))
        batch.add_column(sa.Column("failures", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", UTCDateTime()))
        batch.add_column(sa.Column("last_error", sa.Text))
        batch.add_column(sa.Column("delivered_at", UTCDateTime()))
        batch.add_column(sa.Column("source_system", sa.String(32)))
    with op.batch_alter_table("work_order_events") as batch:  # SQLite: the table is copied
        batch.alter_column("kind", type_=sa.String(64), existing_type=sa.String(32), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("work_order_events") as batch:
        batch.alter_column("kind", type_=sa.String(32), existing_type=sa.String(64), existing_nullable=False)
    with op.batch_alter_table("event_listeners") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
