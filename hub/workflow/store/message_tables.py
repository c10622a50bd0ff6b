"""The tables of the messages in and out: the messages processed (a redelivery is answered as the first time), the
outbox of the event listeners and the listeners with their cursors, the MessageId of each dispatch sent to NSP, and
the item id of each to-do and to-read pushed to OA (what OA's QueryWorkOrder may read:
``hub.workflow.work_order_readers``).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from hub.workflow.store.table_metadata import Serial, metadata
from hub.workflow.store.types import UTCDateTime

__all__ = ["event_listeners", "nsp_dispatches", "oa_items", "processed_messages", "work_order_events"]

# 0024: a processed message's outcome, as long as its handler words it (TEXT); on SQLite, for the same reason as
# ShortText's (hub.workflow.store.table_metadata), the VARCHAR(64) of revision 0001, which never cut a longer one
Outcome = Text().with_variant(String(64), "sqlite")

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
    # 0025: the key of its deliveries' HMAC (hub.workflow.event_signatures), told to its system once; never shown
    Column("signing_secret", Text, nullable=False),
)


nsp_dispatches = Table(  # 0019: the MessageId of each NetworkComplaintDispatch the hub sent, and its work order
    "nsp_dispatches", metadata,
    Column("message_id", String(64), primary_key=True),  # the derived id (hub.routing.message_ids): NSP's CorrelationId
    Column("work_order_id", String(18), nullable=False),  # no foreign key: kept as long as NSP may still answer
    Column("sent_at", UTCDateTime(), nullable=False),
    Index("ix_nsp_dispatches_sent", "sent_at", "message_id"),  # 0022: the retention's walk
    Index("ix_nsp_dispatches_work_order", "work_order_id"),  # 0026: whether NSP may read a work order
)

oa_items = Table(  # 0025: the to-dos and to-reads the hub pushed to OA (oa:ItemId), by work order
    "oa_items", metadata,
    Column("work_order_id", String(18), ForeignKey("work_orders.id"), primary_key=True),
    Column("item_id", String(64), primary_key=True),  # oa:ItemId (at most 64 characters)
    Column("pushed_at", UTCDateTime(), nullable=False),  # the first push (a redelivery's is not kept again)
    Column("kind", String(8)),  # 0027: "todo" | "toread"; None: kept before 0027 (never withdrawn)
    Column("user_id", String(32)),  # 0027: oa:UserId (c:PartyId), the user it went to; None before 0027
    Column("withdrawn_at", UTCDateTime()),  # 0027: a to-read the hub withdrew (its work order closed, cancelled)
)
