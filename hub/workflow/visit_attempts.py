"""A return visit takes several calls (``[workflow] return_visit_attempts``, N, default 3): a ``Callback`` whose
customer was ``NOT_REACHED`` before the N-th attempt is an attempt, not the visit. ``WorkOrderEngine.act`` asks
``unreached_attempt`` before the transition and has ``record_attempt`` carry it out: it is no transition of the
lifecycle table (the state stays REPLIED, or AUTO_ANSWERED for a complaint answered at intake), as a Remind moves
nothing. The N-th unreached call, or any call that reached the customer (SATISFIED, BASICALLY_SATISFIED,
DISSATISFIED), is the visit: RETURN_VISITED as before. N = 1: the first unreached call is the visit. A held
repeat's copy of the open one's visit (``ActionRequest.following``, ``hub.workflow.held_repeats``) is the visit
whatever the repeat's own count: the open one's call was its final one.

An attempt writes, in the message's transaction:

* a ``RETURN_VISIT_ATTEMPT`` field entry of the history (field ``return_visit_attempt``, value ``attempt n of N:
  customer not reached``; its note when the call was made, as the visit's ``satisfaction`` entry says it, and the
  Callback's Note; the agent, the system and the message id);
* a ``TroubleTicketAttributeValueChangeEvent`` whose ``attributeValueChange`` is TMF621's ``note`` (noteType
  ``returnVisitAttempt``, the attempt and N): no status changes, so no status-change event;
* the ``return_visit_attempt_not_reached`` count of the statistics (``VisitAttemptObserver``).

Nothing else moves: no deadline is recomputed, so the return-visit limit keeps running (a visit still missing at
its limit escalates to the hotline as before), and nobody is sent anything. Refusals are the Callback's own (the
state, an incident, an outage notice still active), checked before: an attempt is refused where a visit would be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow import events
from hub.workflow.change_events import add_events
from hub.workflow.changes import Changed, EngineSettings, VisitAttempt, VisitAttemptObserver
from hub.workflow.commands import NOTE_LENGTH, ActionRequest
from hub.workflow.effects import visit_note, visited_at
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.store import HistoryEntry, WorkOrderTransaction, WorkOrderView

__all__ = ["ATTEMPT_ENTRY", "ATTEMPT_FIELD", "NOT_REACHED", "attempts_of", "record_attempt", "unreached_attempt"]

ATTEMPT_ENTRY = "RETURN_VISIT_ATTEMPT"  # the history entry's action (the statistics' rebuild counts them)
ATTEMPT_FIELD = "return_visit_attempt"  # its field
NOT_REACHED = "NOT_REACHED"  # the Callback's wo:Satisfaction of a call nobody answered


def attempts_of(history: Sequence[Mapping[str, Any]]) -> int:
    """How many unreached calls the work order's return visit has had so far: since the reply that made it due (an
    AUTO_ANSWERED complaint's calls before its REPLY were for another answer)."""
    attempts = 0
    for entry in history:
        if entry["kind"] == "state" and entry.get("to_state") == "REPLIED":
            attempts = 0
        elif entry["kind"] == "field" and entry["action"] == ATTEMPT_ENTRY:
            attempts += 1
    return attempts


def unreached_attempt(request: ActionRequest, view: WorkOrderView, settings: EngineSettings) -> int | None:
    """The attempt's number when ``request`` is an unreached Callback before the last attempt, else None (the
    Callback is the visit, or the request no Callback)."""
    if request.action is not LifecycleAction.RETURN_VISIT or request.details.get("Satisfaction") != NOT_REACHED:
        return None
    if request.following is not None:  # a held repeat's copy of the open one's visit: final as the open one's was
        return None
    attempt = attempts_of(view.history) + 1
    return attempt if attempt < settings.return_visit_attempts else None


def record_attempt(tx: WorkOrderTransaction, view: WorkOrderView, request: ActionRequest, attempt: int,
                   now: datetime, *, settings: EngineSettings, observers: Sequence[object]) -> Changed:
    """The unreached call ``attempt`` recorded (see the module); the Callback's refusals checked before."""
    row = dict(view.row)
    state = WorkOrderState(row["state"])
    of = settings.return_visit_attempts
    called = visit_note(request, visited_at(request, row, now), settings.local_zone)
    note = called if not (request.note or "").strip() else f"{called}: {request.note}"
    entry = HistoryEntry(at=now, kind="field", actor=request.operator, system=request.system, action=ATTEMPT_ENTRY,
                         field=ATTEMPT_FIELD, new_value=f"attempt {attempt} of {of}: customer not reached",
                         note=note[:NOTE_LENGTH], message_id=request.message_id)
    tx.update(request.work_order_id, {"updated_at": now}, history=[entry], expected_version=int(row["version"]))
    row["updated_at"] = now
    add_events(tx, row, [events.ATTRIBUTE_VALUE_CHANGE], now, attribute_change={
        "fieldPath": "note", "noteType": "returnVisitAttempt", "value": note, "author": request.operator,
        "attempt": attempt, "attempts": of})
    for observer in observers:
        if isinstance(observer, VisitAttemptObserver):
            observer.visit_attempted(tx, row, now)
    return Changed(row, state, [], VisitAttempt(attempt, of, NOT_REACHED))
