"""The MessageId of each NetworkComplaintDispatch the hub sends, with its work order (``nsp_dispatches``): NSP's
NetworkComplaintReply correlated with one work order's dispatch but naming another is refused
(``wrong-work-order``, ``hub.workflow.system_callbacks``). The derived ids (``hub.routing.message_ids``) are
hashes: the work order cannot be read back from one, so the hub keeps them. Dispatches sent before this revision
are not in it; their replies are matched as before.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0019"
down_revision: str | None = "0018"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "nsp_dispatches",
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("work_order_id", sa.String(18), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("nsp_dispatches")
