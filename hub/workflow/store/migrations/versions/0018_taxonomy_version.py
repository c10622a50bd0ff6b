"""The version of the taxonomy each process running the workflow took (``rule_file_users.taxonomy_version``, a
hash of its files' content): processes on one database with different taxonomies accept or refuse a complaint's
category (``unknown-category``) and check a dispatch's fields by whichever worker takes the message, so the rule
files' agreement compares it beside the SLA table's and calendars' versions and names a process whose taxonomy
differs (``hub.workflow.rule_agreement``). A row written before this revision (a process of an older release, gone
within a minute of the upgrade) has it empty.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision: str | None = "0017"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("rule_file_users") as batch:
        batch.add_column(sa.Column("taxonomy_version", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("rule_file_users") as batch:
        batch.drop_column("taxonomy_version")
