"""NSP's ticket of a work order's current dispatch, as the hub recorded it: the ``NspTicketId`` NSP accepted the
dispatch with or its replies named (history field ``nsp_nspticketid``) since the work order's last DISPATCH move.

NSP opens one ticket per dispatch and answers it under that ticket's id. Once the hub recorded it (NSP's acceptance
of the dispatch, told by the NSP adapter: ``hub.workflow.dispatch_acceptances``; or NSP's first reply, when it came
before the acceptance's note), a reply for the work order naming another ticket is NSP's answer to another ticket
(one of another work order, answered under this one's WorkOrderId): taking it would give this work order the
other's cause and result. It is refused (``wrong-ticket``, naming both ids, nothing written), as a reply correlated
with another work order's dispatch is (``wrong-work-order``). A dispatch sent again after one marked invalid is a
new ticket at NSP: only the entries since the current dispatch count. A reply that overtook the acceptance's note
is taken whatever ticket it names (the note then agrees, or its conflict is noted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.workflow.engine import WorkOrderRefused
from hub.workflow.lifecycle import LifecycleAction

__all__ = ["TICKET_FIELD", "recorded_ticket", "refuse_another_ticket"]

TICKET_FIELD = "nsp_nspticketid"  # the history field of NSP's ticket (its acceptance, its replies)


def recorded_ticket(history: Sequence[Mapping[str, Any]]) -> str | None:
    """The ticket id NSP accepted the work order's current dispatch with or its replies named since its last
    DISPATCH move (``history`` oldest first; the latest, though NSP names one); None when neither came yet."""
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
