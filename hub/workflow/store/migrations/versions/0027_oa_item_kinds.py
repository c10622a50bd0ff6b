"""What each item the hub pushed to OA is, and to whom it went (``oa_items.kind``, ``oa_items.user_id``), and when
the hub withdrew a to-read (``oa_items.withdrawn_at``): a work order closed or cancelled has the to-reads the hub
pushed for it still open withdrawn in OA (``oa:WithdrawToRead``, ``hub.workflow.withdrawn_to_reads``), one per
to-read, to the user it went to.

The rows kept before (pushed before this revision, and the backfill's ``before-0026``) stay without a kind or a
user: which of them were to-reads, and whose, is not known, so they are never withdrawn (their users read them or
leave them, as before).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0027"
down_revision: str | None = "0026"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("oa_items", sa.Column("kind", sa.String(8), nullable=True))
    op.add_column("oa_items", sa.Column("user_id", sa.String(32), nullable=True))
    op.add_column("oa_items", sa.Column("withdrawn_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oa_items") as batch:
        batch.drop_column("withdrawn_at")
        batch.drop_column("user_id")
        batch.drop_column("kind")
