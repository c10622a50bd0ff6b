"""The listeners' outbox is purged (``[workflow] keep_events_days``, ``hub.workflow.store.retention``), its newest
event too when it is old enough. On SQLite ``work_order_events.position`` is the rowid, which a new row takes as the
largest one present plus one: once the newest event is gone the next one would take its position again, at or
before the listeners' cursors, and never be delivered. ``AUTOINCREMENT`` makes SQLite hand out positions that were
never used (``sqlite_sequence`` remembers the largest), as PostgreSQL's sequence already does. SQLite copies the
table once for it (as 0004 did); on PostgreSQL nothing changes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def _rebuild(*, autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("work_order_events", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass  # the copy is the change: the table is created again with (or without) AUTOINCREMENT


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
