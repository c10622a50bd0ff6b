"""The fault report's and the information notice's own fields of an outage notice (nsp.xsd 1.0, optional): who
raised the fault (``initiator``), when the network department replies (``reply_time``), the handler's result
feedback (``feedback_result``, ``feedback_handler``, ``feedback_phone``, ``feedback_at``), customer service's
feedback on a planned adjustment (``customer_service_feedback``) and the sending department's answer
(``sender_answer``), kept with the newest revision of each notice (``hub.workflow.outages.notices``). Notices kept
before this revision have none (NULL) until their next change.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0021"
down_revision: str | None = "0020"
branch_labels: str | None = None
depends_on: str | None = None

_ADDED = ("initiator", "reply_time", "feedback_result", "feedback_handler", "feedback_phone", "feedback_at",
          "customer_service_feedback", "sender_answer")


def upgrade() -> None:
    with op.batch_alter_table("outage_notices") as batch:
        batch.add_column(sa.Column("initiator", sa.String(200)))  # c:ShortText
        batch.add_column(sa.Column("reply_time", UTCDateTime()))
        batch.add_column(sa.Column("feedback_result", sa.Text))  # c:LongText
        batch.add_column(sa.Column("feedback_handler", sa.String(200)))
        batch.add_column(sa.Column("feedback_phone", sa.String(32)))  # c:PhoneNumber: at most 21 characters
        batch.add_column(sa.Column("feedback_at", UTCDateTime()))
        batch.add_column(sa.Column("customer_service_feedback", sa.Text))
        batch.add_column(sa.Column("sender_answer", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("outage_notices") as batch:
        for name in reversed(_ADDED):
            batch.drop_column(name)
