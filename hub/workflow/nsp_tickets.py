"""NSP's ticket of a work order's current dispatch, as the hub recorded it: the ``NspTicketId`` of NSP's replies
(history field ``nsp_nspticketid``) since the work order's last DISPATCH move.

NSP opens one ticket per dispatch and answers it under that ticket's id. Once the hub recorded it (NSP's first
reply to the dispatch), a reply for the work order naming another ticket is NSP's answer to another ticket (one
of another work order, answered under this one's WorkOrderId): taking it would give this work order the other's
cause and result. It is refused (``wrong-ticket``, naming both ids, nothing written), as a reply correlated with
another work order's dispatch is (``wrong-work-order``). A dispatch sent again after one marked invalid is a new
ticket at NSP: only the replies since the current dispatch count. The hub learns the ticket id from NSP's reply
only (the dispatch's answer reaches the NSP adapter, not the work order), so a work order NSP never answered has
none recorded and its first reply is taken whatever ticket it names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.workflow.engine import WorkOrderRefused
from hub.workflow.lifecycle import LifecycleAction

__all__ = ["TICKET_FIELD", "recorded_ticket", "refuse_another_ticket"]

TICKET_FIELD = "nsp_nspticketid"  # the history field of NSP's reply naming its ticket


def recorded_ticket(history: Sequence[Mapping[str, Any]]) -> str | None:
    """The ticket id NSP's replies named since the work order's last DISPATCH move (``history`` oldest first; the
    latest, though NSP names one); None when NSP has not replied to the current dispatch."""
    ticket: str | None = None
    for entry in history:
        if entry["kind"] == "state" and entry["action"] == LifecycleAction.DISPATCH.value:
            ticket = None
        elif entry["kind"] == "field" and entry["field"] == TICKET_FIELD and entry["new_value"]:
            ticket = str(entry["new_value"])
    return ticket


def refuse_another_ticket(history: Sequence[Mapping[str, Any]], work_order_id: str, ticket_id: str) -> None:
    """``WorkOrderRefused`` (``wrong-ticket``) when the hub recorded another ticket than ``ticket_id`` for the work
    order's current dispatch."""
    recorded = recorded_ticket(history)
    if recorded is not None and ticket_id and ticket_id != recorded:
        raise WorkOrderRefused(f"NSP's reply for work order {work_order_id} names ticket {ticket_id}, but NSP "
                               f"answered the work order's current dispatch as ticket {recorded}: this reply "
                               f"answers another ticket (NSP should answer {ticket_id} under its own work order)",
                               code="wrong-ticket")
