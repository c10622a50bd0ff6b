"""The work orders' tables: the work orders, their history, and their deadline rows.

The indexes serve the store's queries: a customer's recent work orders (msisdn + created_at), the QueryWorkOrders
filters (state, category prefix, area, tier, created_at) and the scheduler's due deadlines (``due_at`` of the
deadlines not yet fired: a partial index on both dialects, so it stays as small as the set of open deadlines however
many have fired).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from hub.workflow.store.table_metadata import Serial, ShortText, metadata
from hub.workflow.store.types import UTCDateTime

__all__ = ["deadlines", "work_order_history", "work_orders"]

work_orders = Table(
    "work_orders", metadata,
    Column("id", String(18), primary_key=True),  # WO + yyyymmdd + 8 of [0-9A-Z]
    Column("channel", String(32), nullable=False),
    Column("msisdn", String(20), nullable=False),
    Column("contact_number", String(32)),
    Column("category_code", String(16), nullable=False),  # 01.02.03 or 01.02.03.004
    Column("phenomenon", Text),
    Column("description", Text),
    Column("occurred_at", UTCDateTime()),
    Column("location", Text),
    Column("area_code", String(16)),
    Column("district", ShortText),  # c:Area/c:District
    Column("taken_by", String(64)),
    Column("tier", String(32)),
    Column("priority", SmallInteger),
    Column("state", String(32), nullable=False),
    Column("owner", String(64)),  # the owning department
    Column("state_before_suspension", String(32)),
    Column("escalation_level", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("first_response_due", UTCDateTime()),
    Column("reply_due", UTCDateTime()),
    Column("return_visit_due", UTCDateTime()),
    Column("paused_since", UTCDateTime()),
    Column("paused_seconds", Integer, nullable=False, server_default="0"),
    Column("replied_at", UTCDateTime()),
    Column("closed_at", UTCDateTime()),
    Column("satisfaction", String(32)),
    Column("dispatch_fields", Text),  # JSON object text
    Column("invalid_dispatches", Integer, nullable=False, server_default="0"),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("outage_id", String(64)),
    Column("incident_id", String(64)),
    # 0002: what deadline recalculation needs (hub.workflow.deadlines): the versions of the SLA table and calendars
    # the stored due times came from, and the instants of the first response and the return visit
    Column("sla_version", String(32)),
    Column("calendar_version", String(32)),
    Column("first_responded_at", UTCDateTime()),
    Column("return_visited_at", UTCDateTime()),
    # 0005: COMPLAINT (a customer's) or INCIDENT (a mass complaint's parent); where it was taken; the SP concerned
    Column("ticket_type", String(16), nullable=False, server_default="COMPLAINT"),
    Column("intake_point", String(64)),
    Column("sp_code", String(32)),
    # 0007: the system the last dispatch went to (ToSystem, else the template's target): whose reply it awaits
    Column("dispatch_system", String(16)),
    # 0009: the customer complained of the same phenomenon within the repeat window (CreateWorkOrder's answer said
    # so); NULL: created before 0009, or an incident
    Column("repeat_complaint", Boolean),
    # 0010: the account manager BOSS named for a VIP or group customer when the tier was known: told of the
    # complaint then, and of the return visit at the reply without asking BOSS again; NULL: none, or before 0010
    Column("account_manager_id", String(32)),
    # 0020: the group customer BOSS lists the customer in (of several, the highest identity's), whatever tier won:
    # a group's members are always marked as group customers (hub.workflow.group_membership); NULL: none, or before
    Column("group_id", String(32)),
    Column("group_name", String(200)),
    Column("group_role", String(32)),
    # 0028: a repeat complaint held for this open work order of a department (hub.workflow.held_repeats)
    Column("repeat_of", String(64)),
    Index("ix_work_orders_msisdn_created", "msisdn", "created_at"),
    Index("ix_work_orders_state_id", "state", "id"),  # 0003: a pass over the open ones reads it in id order
    # 0017: QueryWorkOrders by category prefix reads each code's newest off the index (store/category_pages)
    Index("ix_work_orders_category_created", "category_code", "created_at", "id",
          postgresql_ops={"category_code": "text_pattern_ops"}),
    # 0016: QueryWorkOrders by area or tier, newest first, reads its page off the index (was: every match sorted)
    Index("ix_work_orders_area_created", "area_code", "created_at", "id"),
    Index("ix_work_orders_tier_created", "tier", "created_at", "id"),
    Index("ix_work_orders_group_created", "group_id", "created_at", "id"),  # 0020: QueryWorkOrders by GroupId
    Index("ix_work_orders_owner_created", "owner", "created_at", "id"),  # 0029: QueryWorkOrders by Owner
    Index("ix_work_orders_created", "created_at"),
    Index("ix_work_orders_incident", "incident_id"),  # 0005: an incident's children
    Index("ix_work_orders_outage", "outage_id"),  # 0005: the complaints linked to an outage notice
    Index("ix_work_orders_repeat_of", "repeat_of"),  # 0028: an open work order's held repeats
)

work_order_history = Table(
    "work_order_history", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("work_order_id", String(18), ForeignKey("work_orders.id"), nullable=False),
    Column("seq", Integer, nullable=False),  # 1, 2, … per work order
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(64)),
    Column("system", String(32)),
    Column("message_id", String(200)),
    Column("kind", String(8), nullable=False),
    Column("action", String(48)),
    Column("from_state", String(32)),
    Column("to_state", String(32)),
    Column("field", String(64)),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("note", Text),
    UniqueConstraint("work_order_id", "seq", name="uq_work_order_history_seq"),
    CheckConstraint("kind IN ('state', 'field')", name="ck_work_order_history_kind"),
)

deadlines = Table(
    "deadlines", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("work_order_id", String(18), ForeignKey("work_orders.id"), nullable=False),
    Column("kind", String(32), nullable=False),  # first_response, reply, return_visit, warning, …
    Column("due_at", UTCDateTime(), nullable=False),
    Column("fired_at", UTCDateTime()),
    Index("ix_deadlines_open_due", "due_at",
          postgresql_where=text("fired_at IS NULL"), sqlite_where=text("fired_at IS NULL")),
    Index("ix_deadlines_work_order", "work_order_id"),
)
