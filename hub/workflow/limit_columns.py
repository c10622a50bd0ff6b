"""The deadline columns a work order stores (``first_response_due``, ``reply_due``, ``return_visit_due``, priority
and the versions they came from), written from its computed ``Deadlines`` by every change and every recalculation.

A limit already answered stays as it was stored (the first response's once the customer had one, the reply's once
replied, the return visit's once visited): the answer was counted against it (statistics, QueryWorkOrder), so a
later action or an SLA table changed since must not make an answer in time look late, or a late one in time. Only
the limits still running move. The change that gives the answer itself stores the limit it was answered against.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.workflow.deadlines import DeadlineKind, Deadlines

__all__ = ["LIMIT_COLUMNS", "limit_columns"]

LIMIT_COLUMNS = {DeadlineKind.FIRST_RESPONSE: "first_response_due", DeadlineKind.REPLY: "reply_due",
                 DeadlineKind.RETURN_VISIT: "return_visit_due"}  # each limit's column


def limit_columns(deadlines: Deadlines, stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The columns of ``deadlines``; ``stored``: the work order's row before this change (None: a new one), whose
    answered limits are kept."""
    visit = deadlines.return_visit
    columns: dict[str, Any] = {
        "priority": deadlines.priority,
        "first_response_due": deadlines.first_response.due.at,
        "reply_due": deadlines.reply.due.at,
        "return_visit_due": None if visit is None else visit.due.at,
        "sla_version": deadlines.sla_version,
        "calendar_version": deadlines.calendar_version,
    }
    if stored is None:
        return columns
    if stored.get("first_responded_at") is not None or stored.get("replied_at") is not None:
        columns["first_response_due"] = stored.get("first_response_due")
    if stored.get("replied_at") is not None:
        columns["reply_due"] = stored.get("reply_due")
    if stored.get("return_visited_at") is not None:
        columns["return_visit_due"] = stored.get("return_visit_due")
    return columns
