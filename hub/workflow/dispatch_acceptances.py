"""NSP's acceptance of a dispatch, recorded on the work order (``workorder.NspDispatchNote``, the hub's own, sent by
the NSP adapter once NSP answered the dispatch with its ticket: ``adapters.nsp.dispatch_notes``; queue ``workflow``).

NSP answers ``nsp:NetworkComplaintDispatch`` with the ticket it opened; that answer reaches the NSP adapter only.
Told by the note, the workflow records the ticket as NSP's reply does (a field entry ``nsp_nspticketid`` by NSP,
``hub.workflow.nsp_tickets``), the state unchanged, no event written (a field entry of NSP's writes none, as its
reply's does not): QueryWorkOrder and ``onepoint workorders show`` name the ticket from NSP's acceptance on, and a
reply naming another ticket is refused from then on (``wrong-ticket``).

Which dispatch: ``DispatchId``, the dispatch's MessageId, the CorrelationId NSP's reply names
(``network_dispatch.answered_dispatch``). Only the work order's current dispatch records its ticket. A note for a
dispatch marked invalid and dispatched again since, or for none of the work order's dispatches the hub can tell
(one the hub kept with its work order, ``store.nsp_dispatches``, whose history does not tell it; or any, once the
work order is closed or cancelled), is dropped: acked, its outcome says so, nothing written (its ticket would pass
for the current dispatch's). A note for a dispatch the hub has not committed yet waits for it: the workflow sends
its commands before its transaction commits, and one rolled back (a batch whose confirms did not all come) is
tried again under the same ids, so NSP may accept a dispatch before the work order shows it, or before the work
order exists at all (a dispatch at intake, an incident's fault report: their work orders' ids derive from the
message's too). Such a note is a transient failure (``TransientError``): tried again on the backbone's delay
tiers, and dead-lettered with its reason only if the dispatch never commits.

The note and NSP's reply travel different paths (the adapter's queue, NSP's call-back through the ingress) and
race. A reply first recorded the ticket already: a note naming the same ticket writes nothing; one naming another
is noted as a conflict (a field entry ``nsp_ticket_conflict``, old value the reply's ticket, new value the
accepted one), the reply's ticket stays the work order's and the reply is not refused after the fact. Idempotent:
the same note again (redelivered, or NSP's DUPLICATE answer to a dispatch sent again, which names the same ticket)
writes nothing more. A note from any other system is refused (``not-from-hub``): only the hub's NSP adapter knows
what NSP answered it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from hub.envelope import HUB_SYSTEM, Envelope
from hub.gateways.documents import command_element
from hub.workers import BusinessRejection, TransientError
from hub.workflow.lifecycle import FINAL, LifecycleAction
from hub.workflow.network_dispatch import answered_dispatch
from hub.workflow.nsp_tickets import TICKET_FIELD, recorded_ticket
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import HistoryEntry
from hub.workflow.store.nsp_dispatches import dispatched_work_order
from hub.workflow.store.queries import load_work_order

__all__ = ["TICKET_CONFLICT_FIELD", "nsp_dispatch_note"]

TICKET_CONFLICT_FIELD = "nsp_ticket_conflict"  # NSP accepted the dispatch as another ticket than its reply named
WO = "urn:onepoint:workorder:1"
_FINISHED = frozenset(state.value for state in FINAL)
log = logging.getLogger("onepoint.workflow")


def _conflict_noted(history: Sequence[Mapping[str, Any]], ticket_id: str) -> bool:
    """Whether a conflict naming ``ticket_id`` is noted since the work order's last DISPATCH move."""
    noted = False
    for entry in history:
        if entry["kind"] == "state" and entry["action"] == LifecycleAction.DISPATCH.value:
            noted = False
        elif entry["kind"] == "field" and entry["field"] == TICKET_CONFLICT_FIELD and entry["new_value"] == ticket_id:
            noted = True
    return noted


def nsp_dispatch_note(envelope: Envelope, workflow: WorkflowRuntime, *, consumer: str) -> str:
    """Record NSP's ticket of the work order's current dispatch (state unchanged). ``consumer``: the queue of the
    workflow's handlers, which sent the dispatches."""
    if envelope.source_system != HUB_SYSTEM:
        raise BusinessRejection(f"not-from-hub: workorder.NspDispatchNote comes from the hub's NSP adapter only, "
                                f"not from {envelope.source_system}", code="not-from-hub")
    document = command_element(envelope)
    work_order_id = document.findtext(f"{{{WO}}}WorkOrderId") or ""
    dispatch_id = document.findtext(f"{{{WO}}}DispatchId") or ""
    ticket_id = document.findtext(f"{{{WO}}}NspTicketId") or ""
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    row = tx.get(work_order_id, for_update=True)
    if row is None and dispatched_work_order(tx.db, dispatch_id) is None:  # a dispatch at intake, not committed yet
        raise TransientError(f"NSP accepted dispatch {dispatch_id} of {work_order_id} as ticket {ticket_id}, but the "
                             "hub has not committed that work order (yet): the note waits for it")
    if row is None:
        raise BusinessRejection(f"unknown-work-order: no work order {work_order_id} (NSP accepted its dispatch "
                                f"{dispatch_id} as ticket {ticket_id})", code="unknown-work-order")
    view = load_work_order(tx.db, work_order_id)
    history = [] if view is None else view.history
    accepted = answered_dispatch(history, dispatch_id, consumer, work_order_id=work_order_id)
    if accepted is None and row["state"] not in _FINISHED and dispatched_work_order(tx.db, dispatch_id) is None:
        raise TransientError(f"NSP accepted dispatch {dispatch_id} of {work_order_id} as ticket {ticket_id}, but the "
                             "hub has not committed that dispatch (yet): the note waits for it")
    if accepted is None or accepted.stale:
        why = ("names none of its dispatches" if accepted is None else
               f"is its dispatch {accepted.dispatch}, dispatched again since (current: {accepted.current})")
        log.info("NSP's ticket of a dispatch not recorded", extra={
            "message_id": envelope.message_id, "work_order_id": work_order_id, "dispatch_id": dispatch_id,
            "ticket_id": ticket_id, "reason": why})
        return f"NSP's ticket {ticket_id} of {work_order_id}: not recorded, the dispatch {dispatch_id} {why}"
    recorded = recorded_ticket(history)
    if recorded == ticket_id:
        return f"NSP's ticket {ticket_id} of {work_order_id}: recorded already"
    if recorded is None:
        entry = HistoryEntry(at=now, kind="field", actor="NSP", system="NSP", field=TICKET_FIELD, new_value=ticket_id,
                             note=f"NSP accepted dispatch {accepted.dispatch} ({dispatch_id}) as ticket {ticket_id}",
                             message_id=envelope.message_id)
        said = "recorded"
    elif _conflict_noted(history, ticket_id):
        return f"NSP's ticket {ticket_id} of {work_order_id}: its conflict with {recorded} noted already"
    else:  # NSP's reply came first and named another ticket: taken then, it stays; the disagreement is kept
        entry = HistoryEntry(
            at=now, kind="field", actor="NSP", system="NSP", field=TICKET_CONFLICT_FIELD, old_value=recorded,
            new_value=ticket_id, message_id=envelope.message_id,
            note=f"NSP accepted dispatch {accepted.dispatch} ({dispatch_id}) as ticket {ticket_id}, but its reply, "
                 f"which came first, named ticket {recorded}: the reply's ticket stays the work order's")
        said = f"noted as a conflict with {recorded}"
    tx.update(work_order_id, {"updated_at": now}, history=[entry])
    return f"NSP's ticket {ticket_id} of {work_order_id}: {said}"
