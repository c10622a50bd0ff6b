"""The work-order database: SQLAlchemy Core tables (the migrations in ``migrations/versions`` create exactly these;
``tests/contract/test_workorder_store.py`` checks that they agree).

This module is where callers and Alembic's ``migrations/env.py`` take the tables from: the ``metadata`` and every
table defined on it, by what they hold: ``work_order_tables`` (work orders, their history, deadlines),
``message_tables`` (processed messages, the listeners' outbox and the listeners, NSP dispatches, OA items),
``rule_tables`` (outage notices, mass-complaint windows and open incidents, the processes' rule files) and
``counter_tables`` (the statistics' counters). Times are ``UTCDateTime`` (aware UTC, ``hub.workflow.store.types``).
"""

from __future__ import annotations

from hub.workflow.store.counter_tables import work_order_counters
from hub.workflow.store.message_tables import (
    event_listeners,
    nsp_dispatches,
    oa_items,
    processed_messages,
    work_order_events,
)
from hub.workflow.store.rule_tables import complaint_windows, open_incidents, outage_notices, rule_file_users
from hub.workflow.store.table_metadata import metadata
from hub.workflow.store.work_order_tables import deadlines, work_order_history, work_orders

__all__ = [
    "VERSION_TABLE",
    "complaint_windows",
    "deadlines",
    "event_listeners",
    "metadata",
    "nsp_dispatches",
    "oa_items",
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
