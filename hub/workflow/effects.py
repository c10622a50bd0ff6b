"""What a lifecycle action changes beyond the state, and the commands other systems are owed for it: the pause and
its end, the first response, the reply (its Cause, Action and Resolved kept as history field entries), the return
visit (and when it happened), closing (its ClosureCode kept likewise), a refused dispatch's count, an escalation's
level and owner, and a dispatch (checked against its phenomenon's template, with the fields kept from intake and
the pre-processing checks: ``hub.workflow.dispatch_effects``). A Suspend whose Until has passed is refused
(``until-not-future``), as one more than 365 days ahead (``until-too-far``: ``hub.workflow.future_times``).
``WorkOrderEngine.act`` applies them in the action's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from hub.workflow.changes import EngineSettings, FollowUp
from hub.workflow.checks_done import recorded_checks
from hub.workflow.clock import operator_instant
from hub.workflow.commands import (
    ELEMENT_NAMES,
    NOTE_LENGTH,
    RECORDED_DETAILS,
    REPLY_RESOLVED,
    ActionRequest,
    element_name,
    instant,
    resolved,
)
from hub.workflow.dispatch_effects import dispatch_effects
from hub.workflow.future_times import SUSPEND_UNTIL, time_ahead
from hub.workflow.intake_fields import intake_fields
from hub.workflow.lifecycle import PAUSED, LifecycleAction, TransitionRefused, WorkOrderState
from hub.workflow.network_withdrawal import dispatch_answer
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.taxonomy import Taxonomy
from hub.workflow.tiers import GROUP_TIERS, VIP_TIERS

__all__ = ["CREATION_NOTICE", "ESCALATION_NOTICE", "RETURN_VISIT_NOTICE", "action_effects", "dispatch_answer",
           "escalation_notices", "refusal_text", "return_visit_notices", "visit_note", "visited_at",
           "with_new_deadlines"]

RETURN_VISIT_NOTICE = "crm-return-visit"  # a VIP or group customer's complaint replied: the manager's visit
CREATION_NOTICE = "crm-notify"  # a VIP or group customer's complaint taken (or its tier given late): the manager told
ESCALATION_NOTICE = "crm-escalation"  # a VIP or group customer's complaint escalated: the manager told

A = LifecycleAction
S = WorkOrderState
Row = dict[str, Any]


def visited_at(request: ActionRequest, row: Row, now: datetime) -> datetime:
    """When the return visit happened: the Callback's VisitedAt when it lies between the reply and now, else the
    time it is recorded (the given time stays in the history's note)."""
    given = request.details.get("VisitedAt")
    if not given:
        return now
    visited = instant(given, "VisitedAt")
    replied = row.get("replied_at")
    return visited if visited <= now and (replied is None or visited >= replied) else now


def visit_note(request: ActionRequest, visited: datetime, zone: tzinfo) -> str:
    """The return visit's history note: when it happened, in the operator's ``zone`` as the history is shown; a
    VisitedAt the hub did not take is quoted as given, beside the time the visit is recorded at."""
    given = request.details.get("VisitedAt")
    if given and instant(given, "VisitedAt") != visited:
        return f"visited at {given} by the caller's account (before the reply or ahead of now): recorded at " \
               f"{operator_instant(visited, zone)}"
    return f"visited at {operator_instant(visited, zone)}"


def return_visit_notices(row: Row) -> list[FollowUp]:
    """A VIP or group customer's complaint replied: the account manager makes the personal return visit (domain:
    "they get personal return visits"), told with the return-visit deadline. The manager is the one kept on the work
    order (BOSS's, when the tier was known), else asked of BOSS when the notice is sent (``hub.workflow.sending``)."""
    if row.get("ticket_type", "COMPLAINT") != "COMPLAINT" or row.get("tier") not in VIP_TIERS | GROUP_TIERS:
        return []
    return [FollowUp(RETURN_VISIT_NOTICE, dict(row), {})]


def escalation_notices(row: Row, reason: str) -> list[FollowUp]:
    """A VIP or group customer's complaint escalated (a breach or a department's ESCALATE): the account manager kept
    on the work order is told through CRM, as of its creation and reply, so the manager who makes the personal
    return visit hears of the trouble before the customer calls. Nobody when the work order keeps no manager (the
    escalation is the scheduler's: it asks BOSS nothing)."""
    if row.get("ticket_type", "COMPLAINT") != "COMPLAINT" or row.get("tier") not in VIP_TIERS | GROUP_TIERS \
            or not row.get("account_manager_id"):
        return []
    return [FollowUp(ESCALATION_NOTICE, dict(row), {"account_manager": row["account_manager_id"], "reason": reason})]


def refusal_text(refused: TransitionRefused, work_order_id: str) -> str:
    """A refused transition in the caller's words: the WorkOrderAction elements (``Callback``, not RETURN_VISIT),
    and of what the state allows only what a caller can send (no ACCEPT, no AUTO_ANSWER)."""
    state = refused.state.value
    allowed = [element_name(action) for action in refused.allowed if action in ELEMENT_NAMES]
    why = "" if refused.why is None else f"; {refused.why}"  # an incident's Callback: it has no return visit
    return (f"{element_name(refused.action)} is not allowed on work order {work_order_id} in state {state}; "
            f"allowed in {state}: {', '.join(allowed) or 'no action (the work order is finished)'}{why}")


def action_effects(tx: WorkOrderTransaction, row: Row, request: ActionRequest, state: WorkOrderState,
                   target: WorkOrderState, changes: Row, now: datetime, *, taxonomy: Taxonomy,
                   settings: EngineSettings, observers: Sequence[object],
                   history: Sequence[Mapping[str, Any]] = ()) -> list[FollowUp]:
    """What the action changes beyond the state (into ``changes``), and what other systems must hear of it.
    ``history``: the work order's, as read (a Dispatch takes the fields kept from intake: ``intake_fields``)."""
    action = request.action
    if action in (A.PEND, A.REQUEST_INFO, A.SUSPEND) and target in PAUSED:
        changes["paused_since"] = now
    if action is A.SUSPEND:
        changes["state_before_suspension"] = state.value
        until = request.details.get("Until")
        if until:  # not passed (the scheduler would resume it at once), nor years ahead (a typo hiding it)
            time_ahead(until, SUSPEND_UNTIL, row["id"], now, settings.local_zone)
    if target not in PAUSED and row["paused_since"] is not None:  # RESUME, SUPPLY_INFO, ESCALATE, CANCEL
        changes["paused_since"] = None
    if state is S.SUSPENDED:
        changes["state_before_suspension"] = None
    if action in (A.DISPATCH, A.START, A.REPLY, A.AUTO_ANSWER) and row["first_responded_at"] is None:
        changes["first_responded_at"] = now
    if action is A.REPLY:
        changes["replied_at"] = now
    if action is A.RETURN_VISIT:
        changes["return_visited_at"] = visited_at(request, row, now)
        changes["satisfaction"] = request.details.get("Satisfaction")
    if action in (A.CLOSE, A.CANCEL):
        changes["closed_at"] = now
    if action in RECORDED_DETAILS:
        _record_details(tx, row, request, now)
    if action is A.REJECT_DISPATCH:
        changes["invalid_dispatches"] = int(row["invalid_dispatches"] or 0) + 1
        changes["owner"] = settings.intake_department
    if action is A.ESCALATE:
        changes["escalation_level"] = int(row["escalation_level"] or 0) + 1
        changes["owner"] = request.details.get("ToDepartment") or row["owner"]
        escalated, reason = {**row, **changes}, request.note or "escalated"
        return [FollowUp("oa-todo", escalated, {"reason": reason, "manager": changes["owner"]}),
                *escalation_notices(escalated, f"handed up to {changes['owner']}: {reason}")]
    if action is A.DISPATCH:
        return dispatch_effects(tx, row, request, changes, taxonomy=taxonomy, settings=settings,
                                observers=observers, kept=intake_fields(history), checked=recorded_checks(history))
    return []


def _record_details(tx: WorkOrderTransaction, row: Row, request: ActionRequest, now: datetime) -> None:
    """The action's details beyond its note (``commands.RECORDED_DETAILS``: a Reply's Cause, Action and Resolved, a
    Close's ClosureCode) as field entries of the history, in the action's transaction, just before its state
    entry (as NSP's reply: its ``nsp_*`` entries, then the START); Resolved written ``true`` or ``false``."""
    entries = []
    for element, name in RECORDED_DETAILS[request.action]:
        value = request.details.get(element)
        if value is None:
            continue
        if name == REPLY_RESOLVED:
            value = "true" if resolved(value) else "false"
        entries.append(HistoryEntry(at=now, kind="field", actor=request.operator, system=request.system,
                                    field=name, new_value=value[:NOTE_LENGTH], message_id=request.message_id))
    tx.append_history(row["id"], entries)


def with_new_deadlines(follow_ups: list[FollowUp], work_order_id: str,
                       deadline_changes: Mapping[str, Any]) -> list[FollowUp]:
    """``follow_ups`` with those of ``work_order_id`` carrying the deadlines the action recomputed: they are built
    before them (``action_effects``), and each is due by a limit the action may have moved (a new owner's calendar):
    NSP's DueAt when the agent gave none, a hand-up's CRM escalation notice (DueAt) and OA to-do (Due), a dispatched
    department's OA to-do (Due). The very list given when nothing was recomputed (no row copied)."""
    if not deadline_changes:
        return follow_ups
    return [FollowUp(f.kind, {**f.work_order, **deadline_changes}, f.details)
            if f.work_order.get("id") == work_order_id else f for f in follow_ups]
