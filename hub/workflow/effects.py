"""What a lifecycle action changes beyond the state, and the commands other systems are owed for it: the pause and
its end, the first response, the reply (its Cause, Action and Resolved kept as history field entries), the return
visit (and when it happened), closing (its ClosureCode kept likewise), a refused dispatch's count, an escalation's
level and owner, and a dispatch checked against its phenomenon's template with the fields kept from intake beneath
its own (``intake_fields``; refused, listing what is missing, when the template is enforced; the system it went to
kept in ``dispatch_system``, ``MAIL`` for a department marked offline, e-mailed instead of given an OA to-do:
docs/offline-mail.md; refused ``unknown-category`` when the taxonomy no longer has the work order's category,
the only action that reads it), the pre-processing checks it states kept and carried with those recorded before
(``checks_done``; one the template has not refused ``unknown-check``). A Suspend whose Until has passed is refused
(``until-not-future``).
``WorkOrderEngine.act`` applies them in the action's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from hub.workflow.changes import (
    DISPATCH_FOLLOW_UP,
    MAIL_DISPATCH,
    MAIL_SYSTEM,
    DispatchRefusalObserver,
    EngineSettings,
    FollowUp,
    WorkOrderRefused,
)
from hub.workflow.checks_done import check_entries, checks_done, recorded_checks, stated_checks
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
from hub.workflow.intake_fields import intake_fields
from hub.workflow.lifecycle import PAUSED, LifecycleAction, TransitionRefused, WorkOrderState
from hub.workflow.network_withdrawal import dispatch_answer
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.taxonomy import DispatchTemplate, Taxonomy, UnknownCategory
from hub.workflow.tiers import GROUP_TIERS, VIP_TIERS

__all__ = ["CREATION_NOTICE", "DEPARTMENT_TODO", "ESCALATION_NOTICE", "RETURN_VISIT_NOTICE", "action_effects",
           "dispatch_answer", "dispatch_template", "escalation_notices", "fault_time", "refusal_text",
           "return_visit_notices", "visit_note", "visited_at", "with_new_deadlines"]

DEPARTMENT_TODO = "oa-dispatch"  # a dispatch to a department not reached through NSP: the department's OA to-do
RETURN_VISIT_NOTICE = "crm-return-visit"  # a VIP or group customer's complaint replied: the manager's visit
CREATION_NOTICE = "crm-notify"  # a VIP or group customer's complaint taken (or its tier given late): the manager told
ESCALATION_NOTICE = "crm-escalation"  # a VIP or group customer's complaint escalated: the manager told

A = LifecycleAction
S = WorkOrderState
Row = dict[str, Any]
_FIELDS_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # built once


def visited_at(request: ActionRequest, row: Row, now: datetime) -> datetime:
    """When the return visit happened: the Callback's VisitedAt when it lies between the reply and now, else the
    time it is recorded (the given time stays in the history's note)."""
    given = request.details.get("VisitedAt")
    if not given:
        return now
    visited = instant(given, "VisitedAt")
    replied = row.get("replied_at")
    return visited if visited <= now and (replied is None or visited >= replied) else now


def visit_note(request: ActionRequest, visited: datetime) -> str:
    given = request.details.get("VisitedAt")
    if given and instant(given, "VisitedAt") != visited:
        return f"visited at {given} by the caller's account (before the reply or ahead of now): recorded at " \
               f"{visited.isoformat()}"
    return f"visited at {visited.isoformat()}"


def fault_time(fields: Mapping[str, str], zone: tzinfo) -> datetime | None:
    """The template's ``fault_time`` as an instant (a time without offset is the operator's, ``zone``); None when
    the dispatch gave none (or one the template's type would refuse: its check is the template's), or a moment no
    ``datetime`` holds in UTC (``0001-01-01T00:00+08:00``), which no xs:dateTime of NSP's could carry either.
    An offset with seconds (``+08:00:30``, a zone's local mean time before 1901) is kept: ``OccurredAt`` is
    written as the same instant in UTC (``hub.gateways.documents.timestamp``)."""
    given = (fields.get("fault_time") or "").strip()
    try:
        at = datetime.fromisoformat(given) if given else None
    except ValueError:
        return None
    if at is None:
        return None
    at = at if at.tzinfo is not None else at.replace(tzinfo=zone)
    try:
        at.astimezone(UTC)
    except OverflowError:
        return None
    return at


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
    return (f"{element_name(refused.action)} is not allowed on work order {work_order_id} in state {state}; "
            f"allowed in {state}: {', '.join(allowed) or 'no action (the work order is finished)'}")


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
        if until and instant(until, "Until") <= now:  # the scheduler would resume it at once
            raise WorkOrderRefused(f"Suspend of {row['id']} until {until}: that time has passed (it is "
                                   f"{now.isoformat(timespec='seconds')})", code="until-not-future")
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
        return _dispatch(tx, row, request, changes, taxonomy=taxonomy, settings=settings, observers=observers,
                         kept=intake_fields(history), checked=recorded_checks(history))
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


def dispatch_template(taxonomy: Taxonomy, row: Row) -> DispatchTemplate:
    """The template a Dispatch of the work order is checked against; a category the taxonomy no longer has (a
    refinement withdrawn, the hub restarted) refused ``unknown-category``, before anything is written: only a
    Dispatch reads the taxonomy, every other action goes on (``runtime`` warns of such work orders at start)."""
    code = row["category_code"]
    try:
        return taxonomy.phenomenon(code)
    except UnknownCategory as exc:
        reason = (f"its category {code} is no longer in the taxonomy ({taxonomy.source})" if code not in taxonomy
                  else str(exc.args[0]))
        raise WorkOrderRefused(
            f"Dispatch of work order {row['id']} refused: {reason}, so there is no dispatch template to check it "
            f"against; put {code} back in the taxonomy and restart the hub to dispatch it (the actions that need "
            "no template, such as Start, Reply, Suspend, Escalate or Cancel, still work)",
            code="unknown-category") from None


def _from_intake(entry: str, kept: Mapping[str, str], given: Mapping[str, str]) -> str:
    """A missing-field entry (``name (label): what``) saying so when the value it judges was given at intake, not by
    this Dispatch (the agent would look for it in the Dispatch it sent)."""
    name = entry.partition(" ")[0]
    if name in kept and name not in given and not entry.endswith(": missing"):
        return f"{entry} (the value given at intake)"
    return entry


def _dispatch(tx: WorkOrderTransaction, row: Row, request: ActionRequest, changes: Row, *, taxonomy: Taxonomy,
              settings: EngineSettings, observers: Sequence[object], kept: Mapping[str, str],
              checked: Mapping[int, str]) -> list[FollowUp]:
    """``kept``: the fields given at intake; ``checked``: the pre-processing checks recorded before (at intake, with
    an earlier dispatch), carried with the Dispatch's own (``hub.workflow.checks_done``)."""
    template = dispatch_template(taxonomy, row)
    stated = (stated_checks(template, request.checks_done, f"Dispatch of work order {row['id']} refused")
              if request.checks_done else {})  # refused before anything is written
    asked = {**kept, **request.dispatch_fields}  # the fields kept from intake beneath the Dispatch's own
    typed = {"msisdn": row["msisdn"], "contact_number": row["contact_number"] or "", **asked}
    given = template.normalised(typed)  # what NSP gets; checked in that form and as typed (a pattern may be either's)
    missing = [_from_intake(entry, kept, request.dispatch_fields) for entry in template.missing_fields(typed)]
    if missing and not settings.enforce_templates:
        tx.append_history(row["id"], [HistoryEntry(
            at=changes["updated_at"], kind="field", actor=request.operator, system=request.system,
            action="DISPATCH_UNCHECKED", field="dispatch", new_value="; ".join(missing)[:2000],
            note=f"template {template.id} not enforced", message_id=request.message_id)])
    elif missing:  # counted: the refusal stays in the history (it commits with the c:Error answer)
        tx.append_history(row["id"], [HistoryEntry(
            at=changes["updated_at"], kind="field", actor=request.operator, system=request.system,
            action="DISPATCH_REFUSED", field="dispatch", new_value="; ".join(missing)[:2000],
            note=f"template {template.id}" + (f"; with the {len(kept)} field(s) given at intake" if kept else ""),
            message_id=request.message_id)])
        for observer in observers:
            if isinstance(observer, DispatchRefusalObserver):
                observer.dispatch_refused(tx, row, changes["updated_at"])
        raise WorkOrderRefused(f"dispatch of {row['id']} refused, template {template.id} needs: "
                               + "; ".join(missing), code="dispatch-incomplete")
    if stated:  # kept in the history, just before the DISPATCH state entry
        tx.append_history(row["id"], check_entries(
            stated, template=template.id, at=changes["updated_at"], actor=request.operator, system=request.system,
            message_id=request.message_id, stated_with="with the dispatch"))
    changes["owner"] = request.details.get("ToDepartment") or template.target.code
    changes["dispatch_fields"] = _FIELDS_JSON(given)
    system = request.details.get("ToSystem") or template.target.system
    mailbox = None if system == "NSP" else settings.offline_mailboxes.get(changes["owner"])
    if mailbox is not None:  # an offline department: its handler gets the work order by e-mail
        system = MAIL_SYSTEM
    changes["dispatch_system"] = system  # whose call-back the work order awaits (NSP's reply is checked by it)
    added = [name for name in ("msisdn", "contact_number") if name not in asked]  # the hub's
    details = {"fields": {**given, "_template": template.id}, "template_fields": template.field_names,
               "added_fields": added, "instructions": request.details.get("Instructions"),
               "checks_done": checks_done(checked, stated)}
    if system == "NSP":  # NSP's DueAt: the agent's, else the reply limit (``with_new_deadlines``, once recomputed)
        due_at = request.details.get("DueAt")
        return [FollowUp(DISPATCH_FOLLOW_UP, {**row, **changes},
                         {**details, "fault_time": fault_time(given, settings.local_zone),
                          "due_at": instant(due_at, "DueAt") if due_at else None})]
    # no command set of DSMP, BOSS or CRM takes a dispatch: the department's people hear of it as an OA to-do
    dispatch = int(row["invalid_dispatches"] or 0) + 1  # a DISPATCH comes first, or after each refused one
    if mailbox is not None:
        return [FollowUp(MAIL_DISPATCH, {**row, **changes},
                         {**details, "department": changes["owner"], "dispatch": dispatch, "mailbox": mailbox})]
    return [FollowUp(DEPARTMENT_TODO, {**row, **changes},
                     {**details, "department": changes["owner"], "system": system, "dispatch": dispatch})]


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
