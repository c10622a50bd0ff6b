"""The processes running the workflow on one database and the rule files each computes deadlines with
(``rule_file_users``): every hub and workflow worker on one database must have the same ``[workflow] sla`` and
``calendars`` files, and one that does not is named in a WARNING by the others and counted on ``/metrics``
(``hub.workflow.rule_agreement``). A row is renewed every few seconds and removed when its process stops; one not
renewed for a minute is a process gone.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "rule_file_users",
        sa.Column("process_id", sa.String(100), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("sla_version", sa.String(64), nullable=False),
        sa.Column("calendars_version", sa.String(64), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rule_file_users")
