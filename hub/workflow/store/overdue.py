"""The rule of "overdue, not replied": the one ``onepoint stats`` (QueryStatistics' ``Overdue``) counts by and
QueryWorkOrders' ``Overdue`` / ``onepoint workorders list --overdue`` list by, as a SQL condition, and the same rule
on a row already read (the list's "reply due" column).

A complaint awaits its reply while it is taken and not answered: NEW to ESCALATED, PENDING and SUSPENDED too (their
``reply_due`` is the limit reached before the pause, or none while the clock stands still), and AUTO_ANSWERED once
no outage notice holds it any more (a revision unlinked it: it is back on its reply limit, docs/outages.md).
Replied, visited, closed and cancelled ones await nothing; an incident (ticket type INCIDENT) is the hub's fault
report, not a customer's complaint, and is never counted. It is overdue once ``reply_due`` (the paused time
credited) passed before the moment asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column, or_

from hub.workflow.store.schema import work_orders

__all__ = ["AWAITING_REPLY_STATES", "awaiting_reply", "awaits_reply", "overdue_reply", "reply_overdue"]

# hub.workflow.lifecycle's states (the store knows no lifecycle); hub.workflow.statistics.queries.AWAITING_REPLY
AWAITING_REPLY_STATES = ("NEW", "ACCEPTED", "DISPATCHED", "DISPATCH_REJECTED", "IN_PROGRESS", "PENDING",
                         "SUSPENDED", "ESCALATED")
_AUTO_ANSWERED = "AUTO_ANSWERED"  # off the clock while linked to its outage notice
_COMPLAINT = "COMPLAINT"
_wo = work_orders.c


def awaiting_reply() -> ColumnElement[bool]:
    """The complaints whose reply is still awaited (see the module), whatever their limit."""
    return and_(
        or_(_wo.state.in_([literal_column(f"'{state}'") for state in AWAITING_REPLY_STATES]),
            and_(_wo.state == literal_column(f"'{_AUTO_ANSWERED}'"), _wo.outage_id.is_(None))),
        _wo.ticket_type == literal_column(f"'{_COMPLAINT}'"), _wo.replied_at.is_(None))


def overdue_reply(now: datetime) -> ColumnElement[bool]:
    """The complaints still awaiting their reply whose reply limit passed before ``now``."""
    return and_(awaiting_reply(), _wo.reply_due < now)


def awaits_reply(row: Mapping[str, Any]) -> bool:
    """``awaiting_reply`` of a work order's row as read."""
    state = row.get("state")
    return (row.get("ticket_type", _COMPLAINT) == _COMPLAINT and row.get("replied_at") is None
            and (state in AWAITING_REPLY_STATES or (state == _AUTO_ANSWERED and row.get("outage_id") is None)))


def reply_overdue(row: Mapping[str, Any], now: datetime) -> bool:
    """``overdue_reply`` of a work order's row as read."""
    due = row.get("reply_due")
    return awaits_reply(row) and due is not None and due < now
