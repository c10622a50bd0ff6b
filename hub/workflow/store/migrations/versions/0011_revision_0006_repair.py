"""Revision id 0006 named two migrations: commit 48eeb58 shipped ``0006_awaiting_reply_index`` (a partial index
of the complaints awaiting their reply, reverted by 1bfacd2), this release's 0006 is the listeners' suspension
(``event_listeners.suspended_at``). A store stamped 0006 by 48eeb58 went on to 0010 without that column, and every
read of the listeners failed. This revision repairs such a store: ``suspended_at`` added where it is missing, the
reverted index dropped where it is present. Both are looked up first, so any other store is left as it is.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

REVERTED_INDEX = "ix_work_orders_awaiting_reply"  # 48eeb58's 0006, reverted by 1bfacd2


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "suspended_at" not in {column["name"] for column in inspector.get_columns("event_listeners")}:
        with op.batch_alter_table("event_listeners") as batch:  # SQLite: the table is copied
            batch.add_column(sa.Column("suspended_at", UTCDateTime()))
    if REVERTED_INDEX in {index["name"] for index in inspector.get_indexes("work_orders")}:
        op.drop_index(REVERTED_INDEX, table_name="work_orders")


def downgrade() -> None:
    """Nothing: the repaired store is what revision 0010 is meant to be."""
