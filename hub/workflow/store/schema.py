"""The work-order database: SQLAlchemy Core tables (the migrations in ``migrations/versions`` create exactly these;
``tests/contract/test_workorder_store.py`` checks that they agree).

Times are ``UTCDateTime`` (aware UTC). The indexes serve the store's queries: a customer's recent work orders
(msisdn + created_at), the QueryWorkOrders filters (state, category prefix, area, tier, created_at) and the scheduler's
due deadlines (``due_at`` of the deadlines not yet fired: a partial index on both dialects, so it stays as small as
the set of open deadlines however many have fired).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from hub.workflow.store.types import UTCDateTime

__all__ = [
    "VERSION_TABLE",
    "complaint_windows",
    "deadlines",
    "event_listeners",
    "metadata",
    "nsp_dispatches",
    "open_incidents",
    "outage_notices",
    "processed_messages",
    "rule_file_users",
    "work_order_counters",
    "work_order_events",
    "work_order_history",
    "work_orders",
]

VERSION_TABLE = "workflow_alembic_version"  # not Alembic's default name: the database may hold other schemas

# An auto-increment key: BIGSERIAL-like on PostgreSQL, the ROWID alias on SQLite (which needs plain INTEGER).
Serial = BigInteger().with_variant(Integer(), "sqlite")

# 0014: a c:ShortText (up to 200 characters) as the schemas allow it. SQLite keeps text of any length whatever the
# declared one, so there it stays the VARCHAR(64) revision 0001 wrote: declaring it again would copy work_orders
# and every table that refers to it, for nothing.
ShortText = String(200).with_variant(String(64), "sqlite")

# 0024: a processed message's outcome, as long as its handler words it (TEXT); on SQLite, for the same reason, the
# VARCHAR(64) of revision 0001, which never cut a longer one
Outcome = Text().with_variant(String(64), "sqlite")

metadata = MetaData()

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
    Index("ix_work_orders_msisdn_created", "msisdn", "created_at"),
    Index("ix_work_orders_state_id", "state", "id"),  # 0003: a pass over the open ones reads it in id order
    # 0017: QueryWorkOrders by category prefix reads each code's newest off the index (store/category_pages)
    Index("ix_work_orders_category_created", "category_code", "created_at", "id",
          postgresql_ops={"category_code": "text_pattern_ops"}),
    # 0016: QueryWorkOrders by area or tier, newest first, reads its page off the index (was: every match sorted)
    Index("ix_work_orders_area_created", "area_code", "created_at", "id"),
    Index("ix_work_orders_tier_created", "tier", "created_at", "id"),
    Index("ix_work_orders_group_created", "group_id", "created_at", "id"),  # 0020: QueryWorkOrders by GroupId
    Index("ix_work_orders_created", "created_at"),
    Index("ix_work_orders_incident", "incident_id"),  # 0005: an incident's children
    Index("ix_work_orders_outage", "outage_id"),  # 0005: the complaints linked to an outage notice
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

processed_messages = Table(  # not hub.store's table name: both may share one SQLite file
    "workflow_processed_messages", metadata,
    Column("message_id", String(200), primary_key=True),
    Column("outcome", Outcome, nullable=False),  # 0024: TEXT (was VARCHAR(64), which PostgreSQL enforced)
    Column("reply", LargeBinary),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("ix_workflow_processed_recorded", "recorded_at"),  # 0008: the retention's purge, oldest first
)

work_order_events = Table(  # the outbox of the event listeners: written with the change, published after
    "work_order_events", metadata,
    Column("position", Serial, primary_key=True, autoincrement=True),  # global order of writing
    Column("event_id", String(36), nullable=False, unique=True),
    Column("work_order_id", String(18), ForeignKey("work_orders.id"), nullable=False),
    Column("seq", Integer, nullable=False),  # 1, 2, … per work order: delivery order
    Column("kind", String(64), nullable=False),  # 0004: the TMF621 event type names
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("published_at", UTCDateTime()),
    UniqueConstraint("work_order_id", "seq", name="uq_work_order_events_seq"),
    Index("ix_work_order_events_unpublished", "position",
          postgresql_where=text("published_at IS NULL"), sqlite_where=text("published_at IS NULL")),
    sqlite_autoincrement=True,  # 0012: a purged position is never handed out again (PostgreSQL: the sequence)
)

event_listeners = Table(
    "event_listeners", metadata,
    Column("id", String(36), primary_key=True),
    Column("callback_url", Text, nullable=False),
    Column("filter", Text),  # JSON: {"eventTypes": [...], "category": "01.02", "areaCode": "0755"}; none: all
    Column("created_at", UTCDateTime(), nullable=False),
    # 0004: the publisher's cursor (hub.workflow.publisher): the last outbox position passed (delivered or
    # filtered out), the failed attempts in a row at the next one, when it is tried again, and why it failed
    Column("delivered_position", Serial, nullable=False, server_default="0"),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime()),
    Column("last_error", Text),
    Column("delivered_at", UTCDateTime()),
    Column("source_system", String(32)),  # who registered it
    Column("suspended_at", UTCDateTime()),  # 0006: parked after too many failures in a row (None: served)
)

# 0005: the operator's rules (issue 13)

outage_notices = Table(  # NSP's notices as the auto-answer rule matches them (the newest revision of each)
    "outage_notices", metadata,
    Column("notice_id", String(32), primary_key=True),  # FLT-20261123-0007
    Column("revision", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # FAULT | PLANNED_WORK
    Column("title", Text, nullable=False),
    Column("status", String(16), nullable=False),  # ACTIVE | CLEARED
    Column("services", Text, nullable=False),  # space-separated nsp:AffectedService values
    Column("areas", Text, nullable=False),  # JSON list of {"code": "0755", "district": "南山区" | null}
    Column("start_at", UTCDateTime(), nullable=False),
    Column("expected_end", UTCDateTime()),
    Column("cleared_at", UTCDateTime()),
    Column("customer_wording", Text, nullable=False),
    Column("content", Text),
    Column("sending_department", ShortText),  # nsp:SendingDepartment
    Column("received_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),  # NSP's SentAt of the kept version (0013; none before, or none readable)
    Column("linked_count", Integer, nullable=False, server_default="0"),  # complaints linked to it
    Column("auto_answered_count", Integer, nullable=False, server_default="0"),  # of them, answered at intake
    Column("dispatch_count", Integer, nullable=False, server_default="0"),  # of them, dispatched (before it came)
    # 0021: the fault report's own fields (who raised it, when the network replies, the handler's result feedback)
    # and the information notice's (customer service's feedback, the sender's answer); NULL when not given
    Column("initiator", String(200)),
    Column("reply_time", UTCDateTime()),
    Column("feedback_result", Text),
    Column("feedback_handler", String(200)),
    Column("feedback_phone", String(32)),
    Column("feedback_at", UTCDateTime()),
    Column("customer_service_feedback", Text),
    Column("sender_answer", Text),
    Index("ix_outage_notices_status", "status"),
)

complaint_windows = Table(  # the mass-complaint rule's sliding windows: complaints per key and minute
    "complaint_windows", metadata,
    Column("window_key", String(160), primary_key=True),  # phenomenon category | intake point
    Column("bucket_start", UTCDateTime(), primary_key=True),  # the minute
    Column("count", Integer, nullable=False),
)

open_incidents = Table(  # the open incident of each window key: later matching complaints become its children
    "open_incidents", metadata,
    Column("window_key", String(160), primary_key=True),
    Column("incident_id", String(18), ForeignKey("work_orders.id"), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
)

work_order_counters = Table(  # the statistics' maintained counters: one row per day, dimensions and measure
    "work_order_counters", metadata,
    Column("day", String(10), primary_key=True),  # the operator's local date, YYYY-MM-DD
    Column("category_code", String(16), primary_key=True),
    Column("area_code", String(16), primary_key=True),
    Column("tier", String(32), primary_key=True),
    Column("channel", String(32), primary_key=True),
    Column("sp_code", String(32), primary_key=True),  # "" when the complaint concerns no SP
    # 0023: the department grain (the owner at the counted event) and the group grain (the group customer)
    Column("department", String(64), primary_key=True, server_default="*"),
    Column("group_id", String(32), primary_key=True, server_default="*"),
    Column("measure", String(32), primary_key=True),  # created, repeat, dispatched, invalid_dispatch, …
    Column("count", BigInteger, nullable=False),
)

rule_file_users = Table(  # the processes running the workflow on this database, and the rule files each computes with
    "rule_file_users", metadata,
    Column("process_id", String(100), primary_key=True),  # host/pid/a random part: a restarted pid is another
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("sla_version", String(64), nullable=False),  # [workflow] sla's version (a hash of the file)
    Column("calendars_version", String(64), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),  # renewed every pass; long past: the process is gone
    Column("taxonomy_version", String(64), nullable=False, server_default=""),  # 0018: its taxonomy's content hash
)

nsp_dispatches = Table(  # 0019: the MessageId of each NetworkComplaintDispatch the hub sent, and its work order
    "nsp_dispatches", metadata,
    Column("message_id", String(64), primary_key=True),  # the derived id (hub.routing.message_ids): NSP's CorrelationId
    Column("work_order_id", String(18), nullable=False),  # no foreign key: kept as long as NSP may still answer
    Column("sent_at", UTCDateTime(), nullable=False),
    Index("ix_nsp_dispatches_sent", "sent_at", "message_id"),  # 0022: the retention's walk
)
