"""The processed-message records are kept ``[workflow] keep_processed_days``: the purge
(``hub.workflow.store.retention``) finds the expired ones through an index on ``recorded_at``, a bounded batch at
a time, instead of reading the whole table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_workflow_processed_recorded", "workflow_processed_messages", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_workflow_processed_recorded", table_name="workflow_processed_messages")
