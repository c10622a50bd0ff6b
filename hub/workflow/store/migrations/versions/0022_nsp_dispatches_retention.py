"""The dispatches to NSP the hub keeps (``nsp_dispatches``, 0019) were never pruned: the workflow's retention now
deletes the rows of work orders closed or cancelled longer ago than ``[workflow] keep_processed_days``
(``hub.workflow.store.nsp_dispatches.purge_nsp_dispatches``), walking the table in the order dispatches were sent:
the index on (sent_at, message_id). Building it reads the table once.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision: str | None = "0021"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_nsp_dispatches_sent", "nsp_dispatches", ["sent_at", "message_id"])


def downgrade() -> None:
    op.drop_index("ix_nsp_dispatches_sent", table_name="nsp_dispatches")
