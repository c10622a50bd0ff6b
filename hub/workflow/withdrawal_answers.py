"""NSP's answer to the hub's withdrawal, noted in the work order's history (``workorder.NspWithdrawalNote``, the
hub's own, sent by the NSP adapter once NSP answered: ``adapters.nsp.withdrawal_notes``; queue ``workflow``).

The withdrawal (``hub.workflow.network_withdrawal``) is sent with the CANCEL; what NSP did with it was only the NSP
adapter's recorded outcome. This handler appends a field entry ``nsp_withdrawal`` (the new value NSP's outcome and
tickets, ``WITHDRAWN: NSP20261123000417``; ``acknowledged`` when NSP answered with the Ack alone; the note says
what it means), by NSP, the state unchanged. ``ALREADY_ANSWERED`` says NSP's reply crossed the withdrawal: it is
noted on the cancelled work order as a late answer (``hub.workflow.late_replies``). A note from any other system
is refused (``not-from-hub``): only the hub's NSP adapter knows what NSP answered it.
"""

from __future__ import annotations

from hub.envelope import HUB_SYSTEM, Envelope
from hub.gateways.documents import command_element
from hub.workers import BusinessRejection
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import HistoryEntry

__all__ = ["WITHDRAWAL_FIELD", "nsp_withdrawal_note"]

WITHDRAWAL_FIELD = "nsp_withdrawal"  # the history field: NSP's outcome of the withdrawal and its tickets
WO = "urn:onepoint:workorder:1"
_MEANING = {
    "WITHDRAWN": "NSP stopped work on the work order's open ticket; no reply will come",
    "ALREADY_WITHDRAWN": "NSP had the withdrawal already; nothing more happens",
    "ALREADY_ANSWERED": "NSP had answered before the withdrawal came; its reply is noted as a late answer",
    "UNKNOWN": "NSP held no ticket of the work order; a dispatch arriving after it opens withdrawn",
}


def nsp_withdrawal_note(envelope: Envelope, workflow: WorkflowRuntime) -> str:
    """Note NSP's answer to the withdrawal on its work order (state unchanged)."""
    if envelope.source_system != HUB_SYSTEM:
        raise BusinessRejection(f"not-from-hub: workorder.NspWithdrawalNote comes from the hub's NSP adapter only, "
                                f"not from {envelope.source_system}", code="not-from-hub")
    document = command_element(envelope)
    work_order_id = document.findtext(f"{{{WO}}}WorkOrderId") or ""
    withdrawal_id = document.findtext(f"{{{WO}}}WithdrawalId") or ""
    outcome = document.findtext(f"{{{WO}}}Outcome")
    tickets = [ticket.text or "" for ticket in document.iterfind(f"{{{WO}}}NspTicketId")]
    said = (outcome or "acknowledged") + (f": {', '.join(tickets)}" if tickets else "")
    meaning = _MEANING.get(outcome or "", "NSP took the withdrawal without saying what became of its tickets")
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    if tx.get(work_order_id, for_update=True) is None:
        raise BusinessRejection(f"unknown-work-order: no work order {work_order_id} (NSP answered its withdrawal "
                                f"{withdrawal_id}: {said})", code="unknown-work-order")
    tx.update(work_order_id, {"updated_at": now}, history=[HistoryEntry(
        at=now, kind="field", actor="NSP", system="NSP", field=WITHDRAWAL_FIELD, new_value=said,
        note=f"NSP's answer to the withdrawal {withdrawal_id}: {meaning}", message_id=envelope.message_id)])
    return f"NSP's answer to the withdrawal of {work_order_id} ({said}): noted"
