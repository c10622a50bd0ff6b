"""The work-order engine: a complaint becomes a work order, actions move it through the lifecycle table, and
every change recomputes its deadlines and leaves history, deadline rows and an event in the same transaction.

The engine works on a ``WorkOrderTransaction`` (``hub.workflow.store``) and pure inputs; it sends nothing itself:
what other systems must be told comes back as ``FollowUp`` values, which the handlers send through the outbound
path before the transaction commits (their message ids are derived, so a retried message sends the same ids).
Here: an action (``act``), an escalation on a breach, another system's report noted. A complaint made a work order
(``create``, ``missing_at_intake``) is the engine's base ``WorkOrderCreation`` (``hub.workflow.work_order_creation``);
what a work order's clock owes (timing facts, rescheduled deadline rows, an escalation to-do's due time) its base
``WorkOrderTiming`` (``hub.workflow.work_order_timing``); the events a change writes to the outbox,
``hub.workflow.change_events``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from hub.workflow import events
from hub.workflow.calendars import Calendars
from hub.workflow.change_events import add_events
from hub.workflow.changes import (
    Changed,
    Created,
    DispatchRefusalObserver,
    EngineSettings,
    EscalationObserver,
    FollowUp,
    WorkOrderObserver,
    WorkOrderRefused,
)
from hub.workflow.commands import ActionRequest, instant
from hub.workflow.deadlines import DeadlineKind, compute_deadlines
from hub.workflow.effects import (
    action_effects,
    escalation_notices,
    refusal_text,
    return_visit_notices,
    visit_note,
    with_new_deadlines,
)
from hub.workflow.escalation_managers import owing_department, role_holder
from hub.workflow.history_clock import change_moment
from hub.workflow.lifecycle import (
    TMF621_STATUS,
    LifecycleAction,
    TransitionRefused,
    WorkOrderState,
    lifecycle_of,
)
from hub.workflow.limit_columns import limit_columns
from hub.workflow.outage_visits import refuse_visit_during_outage
from hub.workflow.recalculated_breaches import started_alarms
from hub.workflow.resumption import answered_while_suspended
from hub.workflow.rules_catch_up import catch_up
from hub.workflow.schedule import deadline_rows, fired_rows
from hub.workflow.sla import Escalation, SlaTable
from hub.workflow.store import HistoryEntry, WorkOrderTransaction, WorkOrderView
from hub.workflow.store.queries import load_work_order
from hub.workflow.taxonomy import Taxonomy
from hub.workflow.todos import breach_note, close_todos, open_todos, superseded_by_breach
from hub.workflow.visit_attempts import record_attempt, unreached_attempt
from hub.workflow.work_order_creation import RulesRefresh, WorkOrderCreation
from hub.workflow.work_order_timing import SUSPENDED_UNTIL, WorkOrderTiming

__all__ = ["Changed", "Created", "DispatchRefusalObserver", "EngineSettings", "EscalationObserver", "FollowUp",
           "WorkOrderEngine", "WorkOrderObserver", "WorkOrderRefused"]  # hub.workflow.changes' values, re-exported

log = logging.getLogger("onepoint.workflow")

A = LifecycleAction
S = WorkOrderState
Row = dict[str, Any]


class WorkOrderEngine(WorkOrderCreation, WorkOrderTiming):
    def __init__(self, sla: SlaTable, calendars: Calendars, taxonomy: Taxonomy,
                 settings: EngineSettings | None = None) -> None:
        self.sla, self.calendars, self.taxonomy = sla, calendars, taxonomy
        self.settings = settings or EngineSettings()
        self.observers: list[WorkOrderObserver] = []  # in the order they were added
        self.refresh_rules: RulesRefresh | None = None  # the runtime's RuleFiles.refresh: edited files reloaded

    # -- actions -------------------------------------------------------------------------------------------------

    def act(self, tx: WorkOrderTransaction, request: ActionRequest, now: datetime, *,
            view: WorkOrderView | None = None) -> Changed:
        """``view``: the work order as it stands in ``tx`` when the caller has it (``Created.view``), else read. A
        REMIND changes no state: ``hub.workflow.reminders.remind`` carries it out. A Callback whose customer was not
        reached before the last attempt is no transition either: recorded as an attempt, the state unchanged
        (``hub.workflow.visit_attempts``), once the lifecycle allows the Callback."""
        if request.action is A.REMIND:
            raise ValueError("a REMIND is carried out by hub.workflow.reminders.remind, not by act")
        if view is None or view.row["id"] != request.work_order_id:
            view = load_work_order(tx.db, request.work_order_id, for_update=True)
        if view is None:
            raise WorkOrderRefused(f"no work order {request.work_order_id}", code="unknown-work-order")
        if self.refresh_rules is not None:  # stored from another table (a recalculation after an edit?): look now
            self.refresh_rules(view.row["sla_version"] != self.sla.version)
        now = change_moment(now, view.history, view.row["updated_at"])  # never before its last entry: a clock back
        row = dict(view.row)
        state = S(row["state"])
        lifecycle = lifecycle_of(row["ticket_type"])  # an incident's has no return visit
        try:
            transition = lifecycle.transition(state, request.action, request.work_order_id)
            target = lifecycle.target(state, request.action, work_order_id=request.work_order_id,
                                      resume_to=None if row["state_before_suspension"] is None
                                      else S(row["state_before_suspension"]))
        except TransitionRefused as exc:
            raise WorkOrderRefused(refusal_text(exc, request.work_order_id), code="transition-refused") from None
        if transition.needs_reason and not (request.note or "").strip():  # a Reason of blanks says nothing
            raise WorkOrderRefused(f"{request.action.value} needs a reason", code="reason-required")
        refuse_visit_during_outage(tx.db, row, request.action)  # AUTO_ANSWERED: the visit after the clearance
        view, caught_up = catch_up(self, tx, view, now)  # not recalculated yet: first as the recalculation would
        row = dict(view.row)
        attempt = unreached_attempt(request, view, self.settings)  # an unreached call before the last: no visit yet
        if attempt is not None:
            recorded = record_attempt(tx, view, request, attempt, now, settings=self.settings,
                                      observers=self.observers)
            return Changed(recorded.row, recorded.previous_state, caught_up + recorded.follow_ups, recorded.attempt)
        changes: Row = {"state": target.value, "updated_at": now}
        ended = self.suspension_end(view, now) if state is S.SUSPENDED else None  # its Until passed: paused to it
        until = None if ended is None else ended.astimezone(self.settings.local_zone).isoformat()
        entries = [HistoryEntry(at=now, kind="state", actor=request.operator, system=request.system,
                                action=request.action.value, from_state=state.value, to_state=target.value,
                                field=None if until is None else SUSPENDED_UNTIL, new_value=until,
                                note=request.note, message_id=request.message_id)]
        follow_ups = caught_up + action_effects(tx, row, request, state, target, changes, now,
                                                taxonomy=self.taxonomy, settings=self.settings,
                                                observers=self.observers, history=view.history)
        if request.action is A.RETURN_VISIT:  # the visit's outcome, with when it happened
            entries.append(HistoryEntry(at=now, kind="field", actor=request.operator, system=request.system,
                                        field="satisfaction", old_value=row["satisfaction"],
                                        new_value=changes["satisfaction"],
                                        note=visit_note(request, changes["return_visited_at"],
                                                        self.settings.local_zone),
                                        message_id=request.message_id))
        new_owner = changes.get("owner")
        if new_owner is not None and new_owner != row["owner"]:
            entries.append(HistoryEntry(at=now, kind="field", actor=request.operator, system=request.system,
                                        field="owner", old_value=row["owner"], new_value=str(new_owner),
                                        message_id=request.message_id))
        row.update(changes)
        facts = self.timing_facts(row, [*view.history, *(e.columns() for e in entries)])
        sla, calendars = self.sla, self.calendars  # one table throughout, whatever a reload does meanwhile
        deadlines = compute_deadlines(facts, sla, calendars)
        deadline_changes = limit_columns(deadlines, view.row)  # the limits answered before stay as they were
        deadline_changes.pop("priority")
        row.update(deadline_changes)
        follow_ups = with_new_deadlines(follow_ups, request.work_order_id, deadline_changes)  # their dues
        if request.action is A.REPLY:  # with its return-visit deadline: a VIP's or group's manager visits
            follow_ups += return_visit_notices(row)
        tx.update(request.work_order_id, {**changes, **deadline_changes}, history=entries,
                  expected_version=int(view.row["version"]))
        fired = fired_rows(view.deadlines)
        until = request.details.get("Until") if request.action is A.SUSPEND else None
        tx.replace_deadlines(request.work_order_id, started_alarms(deadline_rows(
            deadlines, facts, sla, calendars, state=target, fired=fired,
            resume_at=instant(until, "Until") if until else None, outage_id=row.get("outage_id")),
            view.deadlines, view.row, now, start=False))  # an alarm a recalculation started keeps its due
        add_events(tx, row, events.events_of_action(request.action), now,
                   resolved=events.resolution(request.action, request.resolved, now), action=request.action.value,
                   previousState=state.value, previousStatus=TMF621_STATUS[state], reason=request.note)
        changed = Changed(row, state, follow_ups)
        for observer in self.observers:
            follow_ups += observer.changed(tx, changed, request, now)
        answer = answered_while_suspended(view.history, row, target) if request.action is A.RESUME else None
        if answer is not None:  # NSP or OA answered while the work order was suspended: it goes on as asked
            started = self.act(tx, ActionRequest(request.work_order_id, A.START, answer.actor, answer.system,
                                                 {"Note": answer.note}, message_id=request.message_id), now)
            return Changed(started.row, state, [*follow_ups, *started.follow_ups])
        return changed

    def escalate_on_breach(self, tx: WorkOrderTransaction, view: WorkOrderView, step: Escalation, reason: str,
                           now: datetime, *, limit: DeadlineKind | None = None) -> list[FollowUp]:
        """A time limit breached (the scheduler's alarm, level 1, or a later level of that limit): ``step``'s role
        of the SLA chain gets an OA to-do (its holder for the department owing ``limit`` and the work order's area
        as they are now: ``escalation_managers.role_holder``; the return visit's is owed by the intake department,
        the hotline, any other limit by the owner; the statistics count the escalation for that department) and
        the work order's escalation level rises to ``step``'s, or one above its own when a department's ESCALATE
        took it there already (the to-do's id names that level, which OA's CompleteTodo must give back). The state
        and the owner stay: the handling department keeps the work and its calendar, so a breach never delays a
        deadline, and the flow goes on as it would (an ACCEPTED order can still be dispatched, a DISPATCHED one
        refused as invalid). A department hands a hard case up with the ESCALATE action instead (the state
        ESCALATED, the owner the department it names). The breach closes the chain's lower notices of its own limit
        only: another limit's stay (each is closed when its limit is answered), as does a hand-up's to-do, its
        department owning the work order."""
        row = dict(view.row)
        now = change_moment(now, view.history, row["updated_at"])  # never before its last entry: a clock back
        previous, role = int(row["escalation_level"] or 0), step.role
        owing = owing_department(row, limit, self.settings.intake_department)  # the owner, or the visit's hotline
        user = role_holder(self.settings.escalation_managers, role, row, owing)  # that department and area now
        level = max(previous + 1, step.level)
        entry = HistoryEntry(at=now, kind="field", actor="hub", system="HUB", action=A.ESCALATE.value,
                             field="escalation_level", old_value=str(previous), new_value=str(level),
                             note=breach_note(reason, role, user))
        tx.update(row["id"], {"escalation_level": level, "updated_at": now}, history=[entry],
                  expected_version=int(row["version"]))
        row.update(escalation_level=level, updated_at=now)
        superseded = superseded_by_breach(open_todos(row, view.history), level, reason)  # this limit's lower ones
        closing = close_todos(tx, row, superseded, f"work order {row['id']} escalated to level {level}", now)
        pending = self.reschedule(tx, row, view, now)
        add_events(tx, row, [events.ATTRIBUTE_VALUE_CHANGE], now, attribute_change={
            "fieldPath": "escalationLevel", "previousValue": previous, "value": level, "escalatedTo": role,
            "escalatedToUser": user, "reason": reason})
        for observer in self.observers:
            if isinstance(observer, EscalationObserver):
                observer.escalated(tx, {**row, "owner": owing}, now)  # counted for the department owing it
        holder = role if user == role else f"{role} {user}"
        return [*closing, FollowUp("oa-todo", row, {"manager": user, "role": role, "reason": reason,
                                                    "due": self.todo_due(row, pending, now)}),
                *escalation_notices(row, f"escalated to level {level} ({holder}): {reason}")]

    def note(self, tx: WorkOrderTransaction, work_order_id: str, fields: Mapping[str, str], *, actor: str,
             system: str, now: datetime, note: str | None = None, message_id: str | None = None,
             expected: Callable[[Row], None] | None = None) -> Row:
        """Record what another system reported on a work order (field entries of its history), state unchanged;
        ``expected`` raises ``WorkOrderRefused`` for a work order that report has no business with (nothing
        written)."""
        row = tx.get(work_order_id, for_update=True)
        if row is None:
            raise WorkOrderRefused(f"no work order {work_order_id}", code="unknown-work-order")
        if expected is not None:
            expected(row)
        now = change_moment(now, updated_at=row["updated_at"])  # not before the last change: a clock back
        entries = [HistoryEntry(at=now, kind="field", actor=actor, system=system, field=name, new_value=value,
                                note=note, message_id=message_id) for name, value in fields.items()]
        tx.update(work_order_id, {"updated_at": now}, history=entries)
        row["updated_at"] = now
        return row
