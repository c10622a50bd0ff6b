"""A command the hub sent for a work order was dead-lettered, or carried out on its replay: noted in the work
order's history (``workorder.DeadLetterNote``, the hub's own, queue ``workflow``).

The ``Worker`` of the system's queue sends the note (``hub.workers.dead_letter_notes``) once the letter is in the
DLQ (``DEAD_LETTERED``, with its kind), and again once an operator's ``onepoint dlq replay`` of it was carried out
(``DELIVERED_ON_REPLAY``). This handler appends a field entry (action the outcome, field ``dead_letter``, the new
value the letter's MessageId, so ``onepoint dlq show`` finds it; the note names the command and the system); the
state does not move: the supervisors see that NSP never got the dispatch, or the manager the to-do, and act
(``onepoint dlq show`` / ``replay`` once the system is fixed, or another dispatch). A note with a ``RefusalCode``
says the system got the command and refused it in its own words (CRM's ``Client.AccountManagerNotFound``): the data
is to be corrected before a replay, which would only be refused again. A note from any other system is refused
(``not-from-hub``): only the hub's workers know what they dead-lettered.
"""

from __future__ import annotations

import logging

from hub.envelope import HUB_SYSTEM, Envelope
from hub.gateways.documents import command_element
from hub.workers import BusinessRejection
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import HistoryEntry

__all__ = ["LETTER_FIELD", "dead_letter_note"]

LETTER_FIELD = "dead_letter"  # the history field: the letter's MessageId
WO = "urn:onepoint:workorder:1"
log = logging.getLogger("onepoint.workflow")


def _wording(outcome: str, command: str, consumer: str, kind: str, refusal_code: str) -> str:
    if outcome == "DEAD_LETTERED" and refusal_code:
        return (f"{command} to {consumer} was dead-lettered ({kind or 'permanent'} failure): {consumer} refused it "
                f"({refusal_code}): correct the data, then replay it from the {consumer} DLQ (`onepoint dlq show "
                f"{consumer}`)")
    if outcome == "DEAD_LETTERED":
        return (f"{command} to {consumer} was dead-lettered ({kind or 'permanent'} failure): {consumer} never got "
                f"it; it waits in the {consumer} DLQ (`onepoint dlq show {consumer}`; replay it once "
                f"{consumer} is fixed)")
    return f"{command} to {consumer}, replayed from the DLQ, was carried out"


def dead_letter_note(envelope: Envelope, workflow: WorkflowRuntime) -> str:
    """Note the letter's fate on its work order (state unchanged)."""
    if envelope.source_system != HUB_SYSTEM:
        raise BusinessRejection(f"not-from-hub: workorder.DeadLetterNote comes from the hub's own workers only, "
                                f"not from {envelope.source_system}", code="not-from-hub")
    document = command_element(envelope)
    work_order_id, outcome, command, consumer, letter_id, kind, refusal_code = (
        document.findtext(f"{{{WO}}}{name}") or "" for name in
        ("WorkOrderId", "Outcome", "Command", "Consumer", "LetterId", "Kind", "RefusalCode"))
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    if tx.get(work_order_id, for_update=True) is None:
        raise BusinessRejection(f"unknown-work-order: no work order {work_order_id} (its {command} to {consumer} "
                                f"was {outcome.lower().replace('_', ' ')})", code="unknown-work-order")
    tx.update(work_order_id, {"updated_at": now}, history=[HistoryEntry(
        at=now, kind="field", actor="hub", system=HUB_SYSTEM, action=outcome, field=LETTER_FIELD,
        new_value=letter_id, note=_wording(outcome, command, consumer, kind, refusal_code),
        message_id=envelope.message_id)])
    (log.warning if outcome == "DEAD_LETTERED" else log.info)(
        "a work order's command dead-lettered or replayed: noted in its history", extra={
            "message_id": envelope.message_id, "work_order_id": work_order_id, "letter": letter_id,
            "command_type": command, "consumer": consumer, "outcome": outcome})
    return f"{command} {letter_id} to {consumer} {outcome.lower().replace('_', ' ')}: noted on {work_order_id}"
