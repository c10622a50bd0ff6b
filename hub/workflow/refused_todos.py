"""OA refused for good an item the hub pushed for a work order (``oa.TodoRefused``, queue ``workflow``).

The OA adapter pushes a work order's escalation to-do, its department's dispatch to-do or an owner's reminder
(to-read) as a command of its own; OA may refuse it for good (an HTTP 4xx: a user it does not know, a document it
will not take). Nothing would tell the work order: it stayed ESCALATED, its history reading as if the manager had
the to-do, no manager having it and nothing able to complete it. So the adapter tells the workflow with the hub's
own ``oa:TodoRefused`` (SourceSystem HUB, its MessageId derived from the refused push's: a copy is dropped as a
duplicate), and this handler notes it in the work order's history: action ``TODO_REFUSED``, field
``oa_todo_refused`` (the item id; ``hub.workflow.todos`` then counts that to-do as never opened, so the hub does
not close it in OA later and OA's completion of it is refused), the note naming the user, OA's code and reason.
The state does not move: the supervisors see the entry (``onepoint workorders show``, QueryWorkOrder) and decide
(escalate again to a department OA knows, take the work order up themselves). A TodoRefused from any other system
is refused (``not-from-hub``): only the hub's OA adapter knows what OA refused.
"""

from __future__ import annotations

import logging

from hub.envelope import HUB_SYSTEM, Envelope
from hub.gateways.documents import command_element
from hub.workers import BusinessRejection
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import HistoryEntry
from hub.workflow.todos import REFUSED_FIELD

__all__ = ["REFUSED_ACTION", "todo_refused"]

REFUSED_ACTION = "TODO_REFUSED"
OA = "urn:onepoint:oa:1"
log = logging.getLogger("onepoint.workflow")


def todo_refused(envelope: Envelope, workflow: WorkflowRuntime) -> str:
    """Note on the work order that OA refused the item the hub pushed for it (state unchanged)."""
    if envelope.source_system != HUB_SYSTEM:
        raise BusinessRejection(f"not-from-hub: oa.TodoRefused comes from the hub's OA adapter only, not from "
                                f"{envelope.source_system}", code="not-from-hub")
    document = command_element(envelope)
    item_id, user, work_order_id, command, code, reason = (
        document.findtext(f"{{{OA}}}{name}") or "" for name in
        ("ItemId", "UserId", "WorkOrderId", "Command", "Code", "Reason"))
    what = "to-do" if command == "PushTodo" else "to-read"
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    if tx.get(work_order_id, for_update=True) is None:
        raise BusinessRejection(f"unknown-work-order: no work order {work_order_id} (OA refused its {what} "
                                f"{item_id})", code="unknown-work-order")
    note = f"OA refused {user}'s {what} for good ({code}: {reason}): no manager has it; act on the work order"
    tx.update(work_order_id, {"updated_at": now}, history=[HistoryEntry(
        at=now, kind="field", actor="hub", system=HUB_SYSTEM, action=REFUSED_ACTION, field=REFUSED_FIELD,
        new_value=item_id, note=note[:2000], message_id=envelope.message_id)])
    log.warning("OA refused a work order's item for good: noted in its history", extra={
        "message_id": envelope.message_id, "work_order_id": work_order_id, "item_id": item_id, "user": user,
        "code": code})
    return f"{what} {item_id} refused by OA ({code}): noted on {work_order_id}"
