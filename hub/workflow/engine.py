"""The work-order engine: a complaint becomes a work order, actions move it through the lifecycle table, and
every change recomputes its deadlines and leaves history, deadline rows and an event in the same transaction.

The engine works on a ``WorkOrderTransaction`` (``hub.workflow.store``) and pure inputs; it sends nothing itself:
what other systems must be told comes back as ``FollowUp`` values, which the handlers send through the outbound
path before the transaction commits (their message ids are derived, so a retried message sends the same ids).
What a work order's clock owes (timing facts, rescheduled deadline rows, an escalation to-do's due time) is the
engine's base ``WorkOrderTiming`` (``hub.workflow.work_order_timing``).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow import events
from hub.workflow.calendars import Calendars
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
from hub.workflow.checks_done import stated_checks
from hub.workflow.commands import ActionRequest, Complaint, instant
from hub.workflow.deadlines import TimingFacts, compute_deadlines
from hub.workflow.effects import (
    action_effects,
    escalation_notices,
    refusal_text,
    return_visit_notices,
    visit_note,
    with_new_deadlines,
)
from hub.workflow.escalation_managers import role_holder
from hub.workflow.lifecycle import (
    LIFECYCLE,
    TMF621_STATUS,
    LifecycleAction,
    TransitionRefused,
    WorkOrderState,
)
from hub.workflow.limit_columns import limit_columns
from hub.workflow.resumption import answered_while_suspended
from hub.workflow.schedule import deadline_rows
from hub.workflow.sla import Escalation, SlaTable
from hub.workflow.store import HistoryEntry, WorkOrderTransaction, WorkOrderView
from hub.workflow.store.dialect import lock_customer
from hub.workflow.store.queries import (
    complained_of_before,
    customer_work_orders,
    load_work_order,
    new_work_order_view,
)
from hub.workflow.taxonomy import Taxonomy, UnknownCategory
from hub.workflow.tiers import TierFacts
from hub.workflow.todos import breach_note, close_todos, open_todos, superseded_by_breach
from hub.workflow.work_order_timing import SUSPENDED_UNTIL, WorkOrderTiming

__all__ = ["Changed", "Created", "DispatchRefusalObserver", "EngineSettings", "EscalationObserver", "FollowUp",
           "WorkOrderEngine", "WorkOrderObserver", "WorkOrderRefused"]  # hub.workflow.changes' values, re-exported

log = logging.getLogger("onepoint.workflow")

A = LifecycleAction
S = WorkOrderState
Row = dict[str, Any]
# built once (json.dumps builds an encoder per call when given options)
_EVENT_JSON = json.JSONEncoder(ensure_ascii=False).encode
RulesRefresh = Callable[[bool], object]  # looks at the SLA table's and calendars' files (True: now, not throttled)


class WorkOrderEngine(WorkOrderTiming):
    def __init__(self, sla: SlaTable, calendars: Calendars, taxonomy: Taxonomy,
                 settings: EngineSettings | None = None) -> None:
        self.sla, self.calendars, self.taxonomy = sla, calendars, taxonomy
        self.settings = settings or EngineSettings()
        self.observers: list[WorkOrderObserver] = []  # in the order they were added
        self.refresh_rules: RulesRefresh | None = None  # the runtime's RuleFiles.refresh: edited files reloaded

    # -- creation ------------------------------------------------------------------------------------------------

    def create(self, tx: WorkOrderTransaction, complaint: Complaint, tier: TierFacts, now: datetime) -> Created:
        try:
            template = self.taxonomy.phenomenon(complaint.category_code)
        except UnknownCategory as exc:
            raise WorkOrderRefused(str(exc).strip("'\""), code="unknown-category") from None
        if complaint.checks_done:  # refused before anything is written (kept by the handler: ``checks_done``)
            stated_checks(template, complaint.checks_done, "CreateWorkOrder refused")
        if self.refresh_rules is not None:
            self.refresh_rules(False)
        owner = self.settings.intake_department
        created_at = complaint.accepted_at(now)
        facts = TimingFacts(created_at=created_at, tier=tier.tier, department=owner)
        sla, calendars = self.sla, self.calendars  # one table throughout, whatever a reload does meanwhile
        deadlines = compute_deadlines(facts, sla, calendars)
        row: Row = {
            "channel": complaint.channel, "msisdn": complaint.msisdn, "contact_number": complaint.contact_number,
            "category_code": complaint.category_code, "phenomenon": complaint.phenomenon,
            "description": complaint.description, "occurred_at": complaint.occurred_at,
            "location": complaint.location, "area_code": complaint.area_code, "district": complaint.district,
            "taken_by": complaint.taken_by, "tier": tier.tier, "state": S.ACCEPTED.value, "owner": owner,
            "ticket_type": "COMPLAINT", "intake_point": complaint.intake, "sp_code": complaint.sp_code,
            "escalation_level": 0, "created_at": created_at, "updated_at": now, **limit_columns(deadlines),
        }
        actor = complaint.taken_by or complaint.source_system
        tier_note = (f"tier {tier.tier} from BOSS: priority {deadlines.priority}" if tier.known
                     else tier.note or "tier unknown: ordinary time limits")
        history = [
            HistoryEntry(at=created_at, kind="state", actor=actor, system=complaint.source_system, action="CREATE",
                         to_state=S.NEW.value, note=f"{complaint.channel} complaint", message_id=complaint.message_id),
            HistoryEntry(at=now, kind="state", actor="hub", system="HUB", action=A.ACCEPT.value,
                         from_state=S.NEW.value, to_state=S.ACCEPTED.value, note=tier_note,
                         message_id=complaint.message_id),
        ]
        since = created_at - self.settings.repeat_window  # from when it began, as its limits run
        lock_customer(tx.db, complaint.msisdn)  # PostgreSQL: a creation for the number in another process waits
        earlier = customer_work_orders(tx.db, complaint.msisdn, since=since,
                                       limit=self.settings.customer_orders_shown)
        repeat = complained_of_before(tx.db, complaint.msisdn, complaint.category_code[:8], since=since,
                                      until=created_at)
        row["repeat_complaint"] = repeat  # kept: QueryWorkOrder(s) show it (store migration 0009)
        row["account_manager_id"] = tier.account_manager_id if tier.has_account_manager else None  # (0010)
        row.update(tier.group_columns)  # a group customer always marked as one, whatever tier won (0020)
        work_order_id = tx.insert_work_order(row, history=history, id_zone=self.settings.local_zone,
                                             id_key=complaint.message_id, id_at=complaint.received_at)
        row["id"] = work_order_id
        tx.replace_deadlines(work_order_id, deadline_rows(deadlines, facts, sla, calendars,
                                                          state=S.ACCEPTED, fired=()))
        self._events(tx, row, [events.CREATE], now, repeat_complaint=repeat)
        follow_ups = [FollowUp("crm-notify", row, {"account_manager": tier.account_manager_id})
                      ] if tier.has_account_manager else []
        created = Created(row, earlier, repeat, follow_ups, new_work_order_view(row, history))
        for observer in self.observers:
            follow_ups += observer.created(tx, created, complaint, now)
        return created

    def missing_at_intake(self, complaint: Complaint) -> tuple[str, list[str]]:
        """The phenomenon's template and what the fields filled at intake leave missing of it (none: the complaint
        is dispatched at once; else the fields are kept for a later Dispatch, ``hub.workflow.intake_fields``)."""
        template = self.taxonomy.phenomenon(complaint.category_code)
        given = {"msisdn": complaint.msisdn, "contact_number": complaint.contact_number, **complaint.dispatch_fields}
        return template.id, template.missing_fields(given)

    # -- actions -------------------------------------------------------------------------------------------------

    def act(self, tx: WorkOrderTransaction, request: ActionRequest, now: datetime, *,
            view: WorkOrderView | None = None) -> Changed:
        """``view``: the work order as it stands in ``tx`` when the caller has it (``Created.view``), else read. A
        REMIND changes no state: ``hub.workflow.reminders.remind`` carries it out."""
        if request.action is A.REMIND:
            raise ValueError("a REMIND is carried out by hub.workflow.reminders.remind, not by act")
        if view is None or view.row["id"] != request.work_order_id:
            view = load_work_order(tx.db, request.work_order_id, for_update=True)
        if view is None:
            raise WorkOrderRefused(f"no work order {request.work_order_id}", code="unknown-work-order")
        if self.refresh_rules is not None:  # stored from another table (a recalculation after an edit?): look now
            self.refresh_rules(view.row["sla_version"] != self.sla.version)
        row = dict(view.row)
        state = S(row["state"])
        try:
            transition = LIFECYCLE.transition(state, request.action, request.work_order_id)
            target = LIFECYCLE.target(state, request.action, work_order_id=request.work_order_id,
                                      resume_to=None if row["state_before_suspension"] is None
                                      else S(row["state_before_suspension"]))
        except TransitionRefused as exc:
            raise WorkOrderRefused(refusal_text(exc, request.work_order_id), code="transition-refused") from None
        if transition.needs_reason and not (request.note or "").strip():  # a Reason of blanks says nothing
            raise WorkOrderRefused(f"{request.action.value} needs a reason", code="reason-required")
        changes: Row = {"state": target.value, "updated_at": now}
        ended = self.suspension_end(view, now) if state is S.SUSPENDED else None  # its Until passed: paused to it
        until = None if ended is None else ended.astimezone(self.settings.local_zone).isoformat()
        entries = [HistoryEntry(at=now, kind="state", actor=request.operator, system=request.system,
                                action=request.action.value, from_state=state.value, to_state=target.value,
                                field=None if until is None else SUSPENDED_UNTIL, new_value=until,
                                note=request.note, message_id=request.message_id)]
        follow_ups = action_effects(tx, row, request, state, target, changes, now, taxonomy=self.taxonomy,
                                    settings=self.settings, observers=self.observers, history=view.history)
        if request.action is A.RETURN_VISIT:  # the visit's outcome, with when it happened
            entries.append(HistoryEntry(at=now, kind="field", actor=request.operator, system=request.system,
                                        field="satisfaction", old_value=row["satisfaction"],
                                        new_value=changes["satisfaction"],
                                        note=visit_note(request, changes["return_visited_at"]),
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
        fired = {d["kind"] for d in view.deadlines if d["fired_at"] is not None}
        until = request.details.get("Until") if request.action is A.SUSPEND else None
        tx.replace_deadlines(request.work_order_id, deadline_rows(
            deadlines, facts, sla, calendars, state=target, fired=fired,
            resume_at=instant(until, "Until") if until else None, outage_id=row.get("outage_id")))
        self._events(tx, row, events.events_of_action(request.action), now, action=request.action.value,
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
                           now: datetime) -> list[FollowUp]:
        """A time limit breached (the scheduler's alarm, level 1, or a later level of that limit): ``step``'s role
        of the SLA chain gets an OA to-do (its holder for the work order's owner and area as they are now:
        ``escalation_managers.role_holder``) and the work order's escalation level rises to ``step``'s, or one above
        its own when a department's ESCALATE took it there already (the to-do's id names that level, which OA's
        CompleteTodo must give back). The state and the owner stay: the handling department keeps the work and
        its calendar, so a breach never delays a deadline, and the flow goes on as it would (an ACCEPTED order can
        still be dispatched, a DISPATCHED one refused as invalid). A department hands a hard case up with the
        ESCALATE action instead (the state ESCALATED, the owner the department it names). The breach closes the
        chain's lower notices of its own limit only: another limit's stay (each is closed when its limit is
        answered), as does a hand-up's to-do, its department owning the work order."""
        row = dict(view.row)
        previous, role = int(row["escalation_level"] or 0), step.role
        user = role_holder(self.settings.escalation_managers, role, row)  # its owner and area now
        level = max(previous + 1, step.level)
        entry = HistoryEntry(at=now, kind="field", actor="hub", system="HUB", action=A.ESCALATE.value,
                             field="escalation_level", old_value=str(previous), new_value=str(level),
                             note=breach_note(reason, role, user))
        tx.update(row["id"], {"escalation_level": level, "updated_at": now}, history=[entry],
                  expected_version=int(row["version"]))
        row.update(escalation_level=level, updated_at=now)
        superseded = superseded_by_breach(open_todos(row, view.history), level, reason)  # this limit's lower ones
        closing = close_todos(tx, row, superseded, f"work order {row['id']} escalated to level {level}", now)
        pending = self.reschedule(tx, row, view)
        self._events(tx, row, [events.ATTRIBUTE_VALUE_CHANGE], now, attribute_change={
            "fieldPath": "escalationLevel", "previousValue": previous, "value": level, "escalatedTo": role,
            "escalatedToUser": user, "reason": reason})
        for observer in self.observers:
            if isinstance(observer, EscalationObserver):
                observer.escalated(tx, row, now)
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
        entries = [HistoryEntry(at=now, kind="field", actor=actor, system=system, field=name, new_value=value,
                                note=note, message_id=message_id) for name, value in fields.items()]
        tx.update(work_order_id, {"updated_at": now}, history=entries)
        row["updated_at"] = now
        return row

    def _events(self, tx: WorkOrderTransaction, row: Row, kinds: Sequence[str], now: datetime,
                attribute_change: Mapping[str, Any] | None = None, **details: Any) -> None:
        """The outbox events of a change (``hub.workflow.events``), written in its transaction, in order."""
        for kind in kinds:
            event_id = str(uuid.uuid4())
            document = events.event_document(event_id, kind, row, now, attribute_change=attribute_change, **details)
            tx.add_event(row["id"], kind, _EVENT_JSON(document), at=now, event_id=event_id)
