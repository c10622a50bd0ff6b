"""The tables of the operator's rules (0005, issue 13): NSP's outage notices as the auto-answer rule matches them,
the mass-complaint rule's windows and open incidents; and the processes running the workflow on this database with
the rule files (SLA table, calendars, taxonomy) each computes with.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from hub.workflow.store.table_metadata import ShortText, metadata
from hub.workflow.store.types import UTCDateTime

__all__ = ["complaint_windows", "open_incidents", "outage_notices", "rule_file_users"]

outage_notices = Table(  # NSP's notices as the auto-answer rule matches them (the newest revision of each)
    "outage_notices", metadata,
    Column("notice_id", String(32), primary_key=True),  # FLT-20261123-0007
    Column("revision", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # FAULT | PLANNED_WORK
    Column("title", Text, nullable=False),
    Column("status", String(16), nullable=False),  # ACTIVE | CLEARED | WITHDRAWN
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
