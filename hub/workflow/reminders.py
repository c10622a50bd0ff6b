"""A hotline agent hurries a work order (催办, WorkOrderAction ``Remind``): the customer called back about an open
complaint, and instead of taking a second complaint (and a second dispatch for the same fault) the agent tells
the department that owns it.

A Remind is a transition of the lifecycle table to the same state (``lifecycle.REMINDABLE``: DISPATCHED,
IN_PROGRESS, PENDING, ESCALATED), carried out here rather than by ``WorkOrderEngine.act``: no state entry, no
deadline moves, no status-change event. It is refused ``transition-refused`` in every other state (the text names
the state and what it allows) and ``owner-is-intake-desk`` when the intake desk owns the work order itself (an
escalation handed to it): nobody else to hurry. A Remind writes, in the message's transaction:

* a ``REMIND`` field entry of the history (field ``reminder``, the work order's count of reminders; the Reason
  as its note; the agent, the system and the message id);
* a ``TroubleTicketAttributeValueChangeEvent`` whose ``attributeValueChange`` is TMF621's ``note`` (the Reason,
  its author, the count): a reminder adds a note to the ticket and changes no status;
* the ``reminded`` count of the statistics (``ReminderObserver``);
* an OA to-read (``oa-toread``) to the owner, as a deadline warning's: a department's OA user, or for a work
  order NSP holds the network management centre's (its owner), no NSP command. Its item id is
  ``<work order>-rem<level>-call<n>``, ``n`` the count; sent at step ``oa-toread-0`` of the message
  (``follow_up_steps``), so a redelivered Remind sends it under the same message id and OA drops the copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow import events
from hub.workflow.change_events import add_events
from hub.workflow.changes import Changed, FollowUp, ReminderObserver, WorkOrderRefused
from hub.workflow.commands import ActionRequest
from hub.workflow.effects import refusal_text
from hub.workflow.engine import WorkOrderEngine
from hub.workflow.history_clock import change_moment
from hub.workflow.lifecycle import LifecycleAction, TransitionRefused, WorkOrderState, lifecycle_of
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.queries import load_work_order
from hub.workflow.tiers import GROUP_TIERS, VIP_TIERS

__all__ = ["REMINDER_FIELD", "REMINDER_NOTICE", "REMIND_ENTRY", "remind", "reminders_of"]

REMIND_ENTRY = LifecycleAction.REMIND.value  # the history entry's action (the statistics' rebuild counts them)
REMINDER_FIELD = "reminder"  # its field: the work order's count of reminders
REMINDER_NOTICE = "crm-reminded"  # a VIP or group customer chased the complaint: the account manager told


def reminders_of(history: Sequence[Mapping[str, Any]]) -> int:
    """How many Reminds the work order has had."""
    return sum(1 for entry in history if entry["kind"] == "field" and entry["action"] == REMIND_ENTRY)


def remind(engine: WorkOrderEngine, tx: WorkOrderTransaction, request: ActionRequest, now: datetime) -> Changed:
    """The Remind ``request`` carried out (see the module), or ``WorkOrderRefused`` with nothing written."""
    view = load_work_order(tx.db, request.work_order_id, for_update=True)
    if view is None:
        raise WorkOrderRefused(f"no work order {request.work_order_id}", code="unknown-work-order")
    row = dict(view.row)
    now = change_moment(now, view.history, row["updated_at"])  # never before its last entry: a clock back
    state = WorkOrderState(row["state"])
    try:
        lifecycle_of(row["ticket_type"]).transition(state, request.action, request.work_order_id)
    except TransitionRefused as exc:
        raise WorkOrderRefused(refusal_text(exc, request.work_order_id), code="transition-refused") from None
    desk = engine.settings.intake_department
    if row["owner"] == desk:
        raise WorkOrderRefused(
            f"Remind is not allowed on work order {request.work_order_id} in state {state.value}: the intake desk "
            f"{desk} owns it itself, there is no other department to hurry", code="owner-is-intake-desk")
    reason = (request.note or "").strip()
    if not reason:
        raise WorkOrderRefused("REMIND needs a reason", code="reason-required")
    count = reminders_of(view.history) + 1
    entry = HistoryEntry(at=now, kind="field", actor=request.operator, system=request.system, action=REMIND_ENTRY,
                         field=REMINDER_FIELD, new_value=str(count), note=request.note,
                         message_id=request.message_id)
    tx.update(request.work_order_id, {"updated_at": now}, history=[entry], expected_version=int(row["version"]))
    row["updated_at"] = now
    add_events(tx, row, [events.ATTRIBUTE_VALUE_CHANGE], now, attribute_change={
        "fieldPath": "note", "noteType": "reminder", "value": request.note, "author": request.operator,
        "reminders": count})
    for observer in engine.observers:
        if isinstance(observer, ReminderObserver):
            observer.reminded(tx, row, now)
    told = f"Customer called back (reminder {count}, by {request.operator}): {request.note}"
    follow_ups = [FollowUp("oa-toread", row, {"manager": row["owner"], "step": f"call{count}", "reason": told})]
    if row.get("ticket_type", "COMPLAINT") == "COMPLAINT" and row.get("tier") in VIP_TIERS | GROUP_TIERS \
            and row.get("account_manager_id"):
        follow_ups.append(FollowUp(REMINDER_NOTICE, dict(row), {"account_manager": row["account_manager_id"],
                                                                "reason": told}))
    return Changed(row, state, follow_ups)
