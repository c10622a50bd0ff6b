"""When NSP sent the kept version of an outage notice (``outage_notices.sent_at``, its header's SentAt, moved on
when NSP says the same version again later): a changed notice that kept its revision is a correction only if NSP
sent it after the kept one; one sent before is the original come back late (a delay tier, a redelivery) and is
ignored. Rows kept before this revision have none: their next change at the same revision is judged by its content
alone, as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("outage_notices") as batch:
        batch.add_column(sa.Column("sent_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("outage_notices") as batch:
        batch.drop_column("sent_at")
