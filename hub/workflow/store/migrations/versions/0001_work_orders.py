"""The work-order store: work orders, their history, deadlines, processed messages, the event outbox, listeners.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from hub.workflow.store.types import UTCDateTime

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _open(column: str) -> dict[str, Any]:
    """A partial index's condition on both dialects."""
    return {"postgresql_where": sa.text(f"{column} IS NULL"), "sqlite_where": sa.text(f"{column} IS NULL")}


def upgrade() -> None:
    op.create_table(
        "work_orders",
        sa.Column("id", sa.String(18), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("msisdn", sa.String(20), nullable=False),
        sa.Column("contact_number", sa.String(32)),
        sa.Column("category_code", sa.String(16), nullable=False),
        sa.Column("phenomenon", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("occurred_at", UTCDateTime()),
        sa.Column("location", sa.Text),
        sa.Column("area_code", sa.String(16)),
        sa.Column("district", sa.String(64)),
        sa.Column("taken_by", sa.String(64)),
        sa.Column("tier", sa.String(32)),
        sa.Column("priority", sa.SmallInteger),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("state_before_suspension", sa.String(32)),
        sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("first_response_due", UTCDateTime()),
        sa.Column("reply_due", UTCDateTime()),
        sa.Column("return_visit_due", UTCDateTime()),
        sa.Column("paused_since", UTCDateTime()),
        sa.Column("paused_seconds", sa.Integer, nullable=False, server_default="0"),
        sa.Column("replied_at", UTCDateTime()),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("satisfaction", sa.String(32)),
        sa.Column("dispatch_fields", sa.Text),
        sa.Column("invalid_dispatches", sa.Integer, nullable=False, server_default="0"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("outage_id", sa.String(64)),
        sa.Column("incident_id", sa.String(64)),
    )
    op.create_index("ix_work_orders_msisdn_created", "work_orders", ["msisdn", "created_at"])
    op.create_index("ix_work_orders_state", "work_orders", ["state"])
    op.create_index("ix_work_orders_category", "work_orders", ["category_code"],
                    postgresql_ops={"category_code": "text_pattern_ops"})
    op.create_index("ix_work_orders_area", "work_orders", ["area_code"])
    op.create_index("ix_work_orders_tier", "work_orders", ["tier"])
    op.create_index("ix_work_orders_created", "work_orders", ["created_at"])

    op.create_table(
        "work_order_history",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("work_order_id", sa.String(18), sa.ForeignKey("work_orders.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64)),
        sa.Column("system", sa.String(32)),
        sa.Column("message_id", sa.String(200)),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("action", sa.String(48)),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32)),
        sa.Column("field", sa.String(64)),
        sa.Column("old_value", sa.Text),
        sa.Column("new_value", sa.Text),
        sa.Column("note", sa.Text),
        sa.UniqueConstraint("work_order_id", "seq", name="uq_work_order_history_seq"),
        sa.CheckConstraint("kind IN ('state', 'field')", name="ck_work_order_history_kind"),
    )

    op.create_table(
        "deadlines",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("work_order_id", sa.String(18), sa.ForeignKey("work_orders.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("fired_at", UTCDateTime()),
    )
    op.create_index("ix_deadlines_open_due", "deadlines", ["due_at"], **_open("fired_at"))
    op.create_index("ix_deadlines_work_order", "deadlines", ["work_order_id"])

    op.create_table(
        "workflow_processed_messages",
        sa.Column("message_id", sa.String(200), primary_key=True),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("reply", sa.LargeBinary),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )

    op.create_table(
        "work_order_events",
        sa.Column("position", Serial, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("work_order_id", sa.String(18), sa.ForeignKey("work_orders.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime()),
        sa.UniqueConstraint("work_order_id", "seq", name="uq_work_order_events_seq"),
    )
    op.create_index("ix_work_order_events_unpublished", "work_order_events", ["position"], **_open("published_at"))

    op.create_table(
        "event_listeners",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("callback_url", sa.Text, nullable=False),
        sa.Column("filter", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("event_listeners", "work_order_events", "workflow_processed_messages", "deadlines",
                  "work_order_history", "work_orders"):
        op.drop_table(table)
