"""An event listener that failed too many deliveries in a row is parked: ``suspended_at`` says since when (None:
served). The publisher skips a parked listener and the published mark passes it by until it is registered again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_listeners") as batch:
        batch.add_column(sa.Column("suspended_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("event_listeners") as batch:
        batch.drop_column("suspended_at")
