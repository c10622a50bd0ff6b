"""The operator's rules (issue 13): what a work order is (a customer's complaint or a mass-complaint incident),
where it was taken and which SP it concerns; the outage notices the auto-answer rule matches against; the
per-minute complaint counts of the mass-complaint windows and the open incident of each window key; and the
statistics' maintained counters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("ticket_type", sa.String(16), nullable=False, server_default="COMPLAINT"))
        batch.add_column(sa.Column("intake_point", sa.String(64)))
        batch.add_column(sa.Column("sp_code", sa.String(32)))
    op.create_index("ix_work_orders_incident", "work_orders", ["incident_id"])
    op.create_index("ix_work_orders_outage", "work_orders", ["outage_id"])
    op.create_table(
        "outage_notices",
        sa.Column("notice_id", sa.String(32), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("services", sa.Text, nullable=False),
        sa.Column("areas", sa.Text, nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("expected_end", UTCDateTime()),
        sa.Column("cleared_at", UTCDateTime()),
        sa.Column("customer_wording", sa.Text, nullable=False),
        sa.Column("content", sa.Text),
        sa.Column("sending_department", sa.String(64)),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("linked_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("auto_answered_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("dispatch_count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_outage_notices_status", "outage_notices", ["status"])
    op.create_table(
        "complaint_windows",
        sa.Column("window_key", sa.String(160), primary_key=True),
        sa.Column("bucket_start", UTCDateTime(), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "open_incidents",
        sa.Column("window_key", sa.String(160), primary_key=True),
        sa.Column("incident_id", sa.String(18), sa.ForeignKey("work_orders.id"), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "work_order_counters",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("category_code", sa.String(16), primary_key=True),
        sa.Column("area_code", sa.String(16), primary_key=True),
        sa.Column("tier", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("sp_code", sa.String(32), primary_key=True),
        sa.Column("measure", sa.String(32), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("work_order_counters")
    op.drop_table("open_incidents")
    op.drop_table("complaint_windows")
    op.drop_index("ix_outage_notices_status", table_name="outage_notices")
    op.drop_table("outage_notices")
    op.drop_index("ix_work_orders_outage", table_name="work_orders")
    op.drop_index("ix_work_orders_incident", table_name="work_orders")
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("sp_code")
        batch.drop_column("intake_point")
        batch.drop_column("ticket_type")
