"""A command the hub sent for a work order was dead-lettered, or carried out on its replay: noted in the work
order's history (``workorder.DeadLetterNote``, the hub's own, queue ``workflow``).

The ``Worker`` of the system's queue sends the note (``hub.workers.dead_letter_notes``) once the letter is in the
DLQ (``DEAD_LETTERED``, with its kind), and again once an operator's ``onepoint dlq replay`` of it was carried out
(``DELIVERED_ON_REPLAY``). This handler appends a field entry (action the outcome, field ``dead_letter``, the new
value the letter's MessageId, so ``onepoint dlq show`` finds it; the note names the command and the system); the
state does not move: the supervisors see what became of the dispatch or the to-do, and act (``onepoint dlq show``
/ ``replay`` once the system is fixed, or another dispatch). A note with a ``RefusalCode`` says the system got the
command and refused it in its own words (CRM's ``Client.AccountManagerNotFound``): the data is to be corrected
before a replay, which would only be refused again. Otherwise its ``FailureClass`` says how far the last call got
(``hub.workers.failure_classes``), worded truthfully: only a connection never made (``NOT_CONNECTED``) is "never
got it"; a timeout, an answer the hub could not read, or a failure the system answered mean it may hold the
command (NSP: a ticket), so the supervisors are told to ask it before dispatching again; a note without a class
(a failure of unknown reach, or a worker from before it) says that it is not known. A note from any other system
is refused (``not-from-hub``): only the hub's workers know what they dead-lettered.
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


def _dead_lettered(command: str, consumer: str, kind: str) -> str:
    return f"{command} to {consumer} was dead-lettered ({kind or 'permanent'} failure)"


def _what_it_may_hold(consumer: str) -> str:
    return "it may hold a ticket" if consumer == "nsp" else "it may have acted on it"


def _unsure(consumer: str, said: str) -> str:
    """The note of a letter the system may have got: ask it before sending the work again (two tickets)."""
    return (f"{said}: {_what_it_may_hold(consumer)}; ask {consumer} before dispatching again or replaying it from "
            f"the {consumer} DLQ (`onepoint dlq show {consumer}`)")


def _wording(outcome: str, command: str, consumer: str, kind: str, refusal_code: str, failure_class: str) -> str:
    """The history note: what the letter's failure says of whether the system got it (``FailureClass``)."""
    if outcome != "DEAD_LETTERED":
        return f"{command} to {consumer}, replayed from the DLQ, was carried out"
    dead = _dead_lettered(command, consumer, kind)
    if refusal_code:
        return (f"{dead}: {consumer} refused it ({refusal_code}): correct the data, then replay it from the "
                f"{consumer} DLQ (`onepoint dlq show {consumer}`)")
    if failure_class == "NOT_CONNECTED":
        return (f"{dead}: no connection to {consumer} was made, {consumer} never got it; it waits in the "
                f"{consumer} DLQ (`onepoint dlq show {consumer}`; replay it once {consumer} is reachable)")
    if failure_class == "TIMED_OUT":
        return _unsure(consumer, f"{dead}: {consumer} did not answer in time, it may have got it")
    if failure_class == "UNREADABLE_ANSWER":
        return _unsure(consumer, f"{dead}: {consumer} answered but its answer could not be read")
    if failure_class == "ANSWERED_FAILURE":
        return _unsure(consumer, f"{dead}: {consumer} got it and answered that it failed on it")
    return _unsure(consumer, f"{dead}: whether {consumer} got it is not known")


def dead_letter_note(envelope: Envelope, workflow: WorkflowRuntime) -> str:
    """Note the letter's fate on its work order (state unchanged)."""
    if envelope.source_system != HUB_SYSTEM:
        raise BusinessRejection(f"not-from-hub: workorder.DeadLetterNote comes from the hub's own workers only, "
                                f"not from {envelope.source_system}", code="not-from-hub")
    document = command_element(envelope)
    work_order_id, outcome, command, consumer, letter_id, kind, refusal_code, failure_class = (
        document.findtext(f"{{{WO}}}{name}") or "" for name in
        ("WorkOrderId", "Outcome", "Command", "Consumer", "LetterId", "Kind", "RefusalCode", "FailureClass"))
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    if tx.get(work_order_id, for_update=True) is None:
        raise BusinessRejection(f"unknown-work-order: no work order {work_order_id} (its {command} to {consumer} "
                                f"was {outcome.lower().replace('_', ' ')})", code="unknown-work-order")
    tx.update(work_order_id, {"updated_at": now}, history=[HistoryEntry(
        at=now, kind="field", actor="hub", system=HUB_SYSTEM, action=outcome, field=LETTER_FIELD,
        new_value=letter_id, note=_wording(outcome, command, consumer, kind, refusal_code, failure_class),
        message_id=envelope.message_id)])
    (log.warning if outcome == "DEAD_LETTERED" else log.info)(
        "a work order's command dead-lettered or replayed: noted in its history", extra={
            "message_id": envelope.message_id, "work_order_id": work_order_id, "letter": letter_id,
            "command_type": command, "consumer": consumer, "outcome": outcome})
    return f"{command} {letter_id} to {consumer} {outcome.lower().replace('_', ' ')}: noted on {work_order_id}"
