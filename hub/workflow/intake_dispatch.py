"""The dispatch at intake: a complaint whose template fields (CreateWorkOrder's ``wo:Field``) complete its template is
dispatched at once, unless it repeats an open complaint a department holds, or the dispatch is not made; the
answer says which (``IntakeDispatch``: ``RepeatOf``, ``DispatchRefused`` of workorder.xsd).

* **Dispatched**: the DISPATCH as a Dispatch would make it (note "dispatched at intake").
* **Held for the open complaint it repeats**: the repeat check (``complained_of_before``) found the same number's
  complaint of the same phenomenon still held by a department (``lifecycle.REMINDABLE``: DISPATCHED,
  IN_PROGRESS, PENDING, ESCALATED). Dispatching would send the same fault again (a second NSP ticket, a second
  reply limit, a second return visit); the customer is calling back about the first, as a Remind is for
  (docs/lifecycle.md). So the new work order is not dispatched, its fields kept for a Dispatch
  (``keep_intake_fields``, as for a refused one), a ``REPEAT_OF`` field entry names the open one, and the open one
  is reminded in the same transaction: ``reminders.remind`` with the new work order as its Reason (the REMIND
  entry, the TMF621 note, the ``reminded`` count, the owner's OA to-read and a VIP's manager told, sent under
  steps of the open work order's id). The account manager the reminder tells (``crm-reminded``, naming the new
  work order) is not told of the new one's creation besides (``manager_told``): one notice per call. A Remind the
  open one refuses (the intake desk owns it, escalated to
  itself) writes nothing there; the new one's entry says so, unless the open one, re-read under the row lock the
  Remind took, has left the department since the intake read it (a Reply or Cancel committed in between, which
  found no held repeat): then the new one is dispatched as any other (``no_longer_held``). The new one is then
  held (``held_repeats.hold``: linked, SUSPENDED off the clock) until the open one is answered or cancelled; the
  agent may still Resume and Dispatch it (which unlinks it: ``HeldRepeats``). Held only when the new complaint
  gives the same area code: one of another area brings new facts and is dispatched as before; a new fault place
  or time of the same area is named in the reminder's reason.
  An earlier complaint replied, visited or closed (the fault came back), cancelled, at the intake desk (ACCEPTED,
  DISPATCH_REJECTED), SUSPENDED, or AUTO_ANSWERED (the outage rule answers the new one too while its notice is
  active: ``handled``) does not hold the dispatch back.
* **Linked to an open incident**: the earlier complaint is the child of an incident still open (its fault report
  covers the phenomenon): the new one is linked to it as the mass-complaint rule links a child (``IncidentId``),
  not dispatched.
* **Not made**: the fields leave the template incomplete (``missing_at_intake``), or the engine refuses the
  dispatch after all: the fields are kept for a later Dispatch and the answer's ``DispatchRefused`` gives the
  code (``dispatch-incomplete`` for the template; else the engine's), the reason and the fields at fault.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from hub.workflow import commands
from hub.workflow.changes import Created, FollowUp, Row, WorkOrderRefused
from hub.workflow.commands import Complaint
from hub.workflow.held_repeats import hold
from hub.workflow.incidents.children import is_open, link
from hub.workflow.intake_fields import keep_intake_fields
from hub.workflow.lifecycle import REMINDABLE, LifecycleAction, WorkOrderState
from hub.workflow.reminders import REMINDER_NOTICE, remind
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import HistoryEntry, WorkOrderTransaction

__all__ = ["REPEAT_OF", "IntakeDispatch", "dispatch_at_intake"]

REPEAT_OF = "REPEAT_OF"  # the history action (field ``repeat_of``) of a dispatch held for the open complaint
_REASON_LENGTH = 4000  # c:LongText
_FACTS = ("fault_place", "fault_time")  # the template fields a reminder names when the new complaint's differ


@dataclass(frozen=True, slots=True)
class IntakeDispatch:
    """What became of the dispatch at intake; the answer's elements."""

    dispatched: bool = False
    follow_ups: list[FollowUp] = field(default_factory=list)
    repeat_of: str | None = None  # held: the open work order the complaint repeats
    reminded: bool = False  # ... and it was reminded
    manager_told: bool = False  # ... and the reminder told the customer's account manager (no creation notice then)
    refused_code: str | None = None  # not made: why (c:Error's code a Dispatch would get)
    refused_reason: str | None = None
    refused_fields: tuple[str, ...] = ()  # the template fields missing or invalid
    incident_id: str | None = None  # linked to the open incident the earlier complaint is a child of


def held_by_department(created: Created, complaint: Complaint) -> str | None:
    """The open work order the new complaint repeats, if a department holds it and it is of the same area (see the
    module)."""
    earlier = created.repeat_of
    if earlier is None or WorkOrderState(earlier["state"]) not in REMINDABLE:
        return None
    if earlier.get("area_code") != complaint.area_code:  # new facts: another place, dispatched as its own fault
        return None
    return str(earlier["id"])


def covering_incident(tx: WorkOrderTransaction, created: Created) -> str | None:
    """The open incident the earlier complaint of the same phenomenon is a child of, which covers the new one."""
    earlier = created.repeat_of
    incident_id = None if earlier is None else earlier.get("incident_id")
    if incident_id is None or not is_open(tx.db, str(incident_id)):
        return None
    return str(incident_id)


def new_facts(complaint: Complaint, earlier: Row) -> str:
    """The new complaint's template fields (fault place, fault time) and area where they differ from the earlier
    complaint's dispatch (its fields), for the reminder's reason: ``""`` when none does."""
    try:
        given = json.loads(earlier.get("dispatch_fields") or "{}")
    except ValueError:
        given = {}
    given = given if isinstance(given, dict) else {}
    said = [f"{name} {complaint.dispatch_fields[name]}" for name in _FACTS
            if complaint.dispatch_fields.get(name) and complaint.dispatch_fields[name] != given.get(name)]
    if complaint.location and complaint.location not in (given.get("fault_place"),
                                                         complaint.dispatch_fields.get("fault_place")):
        said.append(f"location {complaint.location}")
    return "; ".join(dict.fromkeys(said))


def dispatch_at_intake(workflow: WorkflowRuntime, tx: WorkOrderTransaction, created: Created, complaint: Complaint,
                       now: datetime, *, handled: bool) -> IntakeDispatch:
    """The complaint's dispatch at intake (it carries fields; see the module); ``handled``: an intake rule answered
    it (no dispatch, its fields kept, nothing said of a dispatch)."""
    work_order_id = str(created.row["id"])
    template, missing = workflow.engine.missing_at_intake(complaint)
    if handled:
        keep_intake_fields(tx, work_order_id, complaint, missing, now, template=template, waits=False)
        return IntakeDispatch()
    if missing:
        keep_intake_fields(tx, work_order_id, complaint, missing, now, template=template, waits=True)
        return IntakeDispatch(refused_code="dispatch-incomplete", refused_fields=_names(missing), refused_reason=(
            f"not dispatched at intake: template {template} needs: " + "; ".join(missing))[:_REASON_LENGTH])
    open_one = held_by_department(created, complaint)
    held = None if open_one is None else _held(workflow, tx, created, complaint, open_one, now, template=template)
    if held is not None:
        return held
    incident_id = covering_incident(tx, created)
    if incident_id is not None:  # the incident's fault report covers it, as the mass-complaint rule links a child
        keep_intake_fields(tx, work_order_id, complaint, [], now, template=template, waits=False)
        link(tx, work_order_id, incident_id, now, message_id=complaint.message_id)
        return IntakeDispatch(incident_id=incident_id)
    request = commands.ActionRequest(work_order_id, LifecycleAction.DISPATCH, complaint.taken_by or "hub",
                                     complaint.source_system, {"Note": "dispatched at intake"},
                                     complaint.dispatch_fields, message_id=complaint.message_id,
                                     checks_done=complaint.checks_done)
    try:
        changed = workflow.engine.act(tx, request, now, view=created.view)
    except WorkOrderRefused as exc:  # refused after all: created, its fields kept for a Dispatch, never lost
        workflow.refused(exc.code)
        keep_intake_fields(tx, work_order_id, complaint, [str(exc)], now, template=template, waits=True)
        return IntakeDispatch(refused_code=exc.code, refused_reason=str(exc)[:_REASON_LENGTH])
    workflow.counted(request.action.value)
    created.row.update(changed.row)
    return IntakeDispatch(dispatched=True, follow_ups=list(changed.follow_ups))


def _held(workflow: WorkflowRuntime, tx: WorkOrderTransaction, created: Created, complaint: Complaint, open_one: str,
          now: datetime, *, template: str) -> IntakeDispatch | None:
    """Not dispatched: ``open_one`` reminded instead, the new work order's history naming it. None (nothing
    written): ``open_one`` was answered or cancelled since the intake read it (under the customer lock only, a
    Reply committing in between finds no held repeat to answer), so the new one is dispatched as any other."""
    work_order_id, agent = str(created.row["id"]), complaint.taken_by or complaint.source_system
    facts = new_facts(complaint, created.repeat_of or {})
    reason = (f"customer complained again: {work_order_id} ({complaint.channel}), not dispatched"
              + (f"; new: {facts}" if facts else ""))
    request = commands.ActionRequest(open_one, LifecycleAction.REMIND, agent, complaint.source_system,
                                     {"Reason": reason[:200]}, message_id=complaint.message_id)
    follow_ups: list[FollowUp] = []
    try:
        changed = remind(workflow.engine, tx, request, now)
    except WorkOrderRefused as exc:  # nothing written on the open one
        if no_longer_held(tx, open_one):
            return None
        told = f"not reminded ({exc.code}: {exc})"
    else:
        workflow.counted(request.action.value)
        follow_ups, told = list(changed.follow_ups), "reminded"
    keep_intake_fields(tx, work_order_id, complaint, [], now, template=template, waits=False)
    state = WorkOrderState((created.repeat_of or {})["state"]).value
    tx.append_history(work_order_id, [HistoryEntry(
        at=now, kind="field", actor="hub", system="HUB", action=REPEAT_OF, field="repeat_of", new_value=open_one,
        message_id=complaint.message_id,
        note=f"not dispatched at intake: repeats work order {open_one}, {state} with a department, {told}; held "
             "until it is answered (its reply answers this one; its cancellation releases this one to the desk)")])
    follow_ups += hold(workflow.engine, tx, work_order_id, open_one, message_id=complaint.message_id, now=now)
    created.row["state"] = WorkOrderState.SUSPENDED.value
    return IntakeDispatch(follow_ups=follow_ups, repeat_of=open_one, reminded=told == "reminded",
                          manager_told=any(follow_up.kind == REMINDER_NOTICE for follow_up in follow_ups))


def no_longer_held(tx: WorkOrderTransaction, open_one: str) -> bool:
    """Whether ``open_one`` left the department since the intake read it: re-read under its row lock (the refused
    Remind took it), no longer ``REMINDABLE``."""
    row = tx.get(open_one, for_update=True)
    return row is None or WorkOrderState(row["state"]) not in REMINDABLE


def _names(missing: list[str]) -> tuple[str, ...]:
    """The field names of the template's missing-field entries (``name (label): what``)."""
    return tuple(dict.fromkeys(entry.partition(" ")[0] for entry in missing))[:40]
