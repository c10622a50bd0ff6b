"""The deadline scheduler: finds the due deadline rows through the store's index on the due time and acts on them.

* a warning (``<LIMIT>:WARNING``, the SLA table's share of the limit run): noted in the history and a reminder
  (OA to-read) to the current owner;
* a suspension's end (``SUSPENSION:RESUME``, its Until): the work order resumes where it was suspended;
* an alarm (``<LIMIT>:ALARM``, the limit run) or a later escalation (``<LIMIT>:ESCALATE<n>``): the work order's
  escalation level rises and the next role of its tier's chain gets an OA to-do
  (``WorkOrderEngine.escalate_on_breach``); its state and owner stay, so the flow goes on and no deadline moves
  to another department's calendar; past the chain's last role the breach is noted in the history.

A pass claims at most ``batch`` rows in one store transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: several
hub processes on one database fire each deadline once) and sends what the rows owe other systems before it
commits, with message ids derived from the deadline row, so a pass repeated after a failed commit sends the same
ids. ``recalculate()`` recomputes the open work orders' deadlines after the SLA table or a calendar changed.
Time comes from the runtime's clock: every rule is tested by moving a ``ManualClock``, never by sleeping.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from hub.envelope import HUB_SYSTEM, Envelope
from hub.routing.outbound import Outbound
from hub.workflow.commands import ActionRequest
from hub.workflow.deadlines import compute_deadlines, is_current
from hub.workflow.engine import FollowUp
from hub.workflow.follow_ups import follow_up_document
from hub.workflow.lifecycle import FINAL, LifecycleAction, WorkOrderState
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.schedule import RESUME, deadline_rows, parse_kind
from hub.workflow.store import DueDeadline, HistoryEntry, WorkOrderTransaction
from hub.workflow.store.due import DueBatch, mark_fired
from hub.workflow.store.queries import load_work_order

__all__ = ["DeadlineScheduler", "SchedulerPass"]

log = logging.getLogger("onepoint.workflow.scheduler")
OPEN_STATES = tuple(state.value for state in WorkOrderState if state not in FINAL)


@dataclass
class SchedulerPass:
    fired: int = 0
    warnings: int = 0
    escalations: int = 0
    sent: list[str] = field(default_factory=list)  # command types sent, in order


class DeadlineScheduler:
    def __init__(self, runtime: WorkflowRuntime, outbound: Outbound | None, *, interval: float = 5.0,
                 batch: int = 200) -> None:
        self.runtime, self.outbound = runtime, outbound
        self.interval, self.batch = interval, batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one pass ------------------------------------------------------------------------------------------------

    def run_pass(self) -> SchedulerPass:
        """Act on up to ``batch`` due deadlines; the caller loops while a pass comes back full."""
        now = self.runtime.clock.now()
        done = SchedulerPass()
        with self.runtime.store.claim_due_deadlines(now, limit=self.batch) as due:
            for deadline in due.deadlines:
                follow_ups = self._fire(due.tx, deadline, now, done)
                for number, follow_up in enumerate(follow_ups):
                    self._send(follow_up, deadline, number, now, done)
                done.fired += 1
                if self.runtime.metrics is not None:
                    self.runtime.metrics.deadline_fired(deadline.kind)
        return done

    def _fire(self, tx: WorkOrderTransaction, deadline: DueDeadline, now: datetime,
              done: SchedulerPass) -> list[FollowUp]:
        mark_fired(DueBatch(tx, [deadline]), now)  # first: the rows recomputed below must not bring it back
        view = load_work_order(tx.db, deadline.work_order_id, for_update=True)
        if view is None or WorkOrderState(view.row["state"]) in FINAL:
            return []
        if all(d["id"] != deadline.id for d in view.deadlines):  # replaced by an earlier row of this pass firing
            return []
        row = view.row
        if deadline.kind == RESUME:
            if row["state"] != WorkOrderState.SUSPENDED.value:
                return []
            request = ActionRequest(row["id"], LifecycleAction.RESUME, "hub", "HUB",
                                    {"Note": f"suspended until {deadline.due_at.isoformat()}"})
            return self.runtime.engine.act(tx, request, now).follow_ups
        limit, what, level = parse_kind(deadline.kind)
        if what == "WARNING":
            done.warnings += 1
            tx.append_history(row["id"], [HistoryEntry(
                at=now, kind="field", actor="hub", system="HUB", action="WARNING", field="deadline",
                new_value=f"{limit.value} due {deadline.due_at.isoformat()}")])
            return [FollowUp("oa-toread", row, {"manager": row["owner"], "step": deadline.id,
                                                "reason": f"{limit.value} deadline at {deadline.due_at.isoformat()}"
                                                          f": work order {row['id']} is not answered yet"})]
        engine = self.runtime.engine
        current = int(row["escalation_level"] or 0)
        reason = f"{limit.value} deadline {deadline.due_at.isoformat()} breached"
        if level <= current:  # another limit's breach took it this far: level n of a limit is not told twice
            tx.append_history(row["id"], [HistoryEntry(
                at=now, kind="field", actor="hub", system="HUB", action="BREACH", field="deadline",
                new_value=reason, note=f"already escalated to level {current}")])
            engine.reschedule(tx, row, view)  # this limit's next level, due later
            return []
        step = engine.sla.row(row["tier"]).escalation_at(level)
        if step is None:
            tx.append_history(row["id"], [HistoryEntry(at=now, kind="field", actor="hub", system="HUB",
                                                       action="BREACH", field="deadline", new_value=reason,
                                                       note="the escalation chain is exhausted")])
            return []
        done.escalations += 1
        return engine.escalate_on_breach(tx, view, step, reason, now)

    def _send(self, follow_up: FollowUp, deadline: DueDeadline, number: int, now: datetime,
              done: SchedulerPass) -> None:
        if self.outbound is None:
            return
        document = follow_up_document(follow_up, now, operator="hub", link_base=self.runtime.link_base)
        cause = Envelope(f"deadline-{deadline.id}-{deadline.kind}", "workflow.Deadline", HUB_SYSTEM, b"")
        self.outbound.send(document, cause=cause, step=f"{follow_up.kind}-{number}", consumer="workflow-scheduler")
        done.sent.append(etree.QName(document).localname)

    # -- recalculation -------------------------------------------------------------------------------------------

    def recalculate(self) -> int:
        """Recompute the deadlines of every open work order computed from another SLA table or calendar."""
        engine, store, changed = self.runtime.engine, self.runtime.store, 0
        for chunk in store.iter_work_orders(OPEN_STATES):
            stale = [row["id"] for row in chunk if row["sla_version"] != engine.sla.version
                     or row["calendar_version"] is None]
            stale += [row["id"] for row in chunk if row["id"] not in stale and not self._current(row)]
            if not stale:
                continue
            with store.transaction() as tx:
                for work_order_id in stale:
                    changed += self._recompute(tx, work_order_id)
        if changed:
            log.info("deadlines recalculated", extra={"work_orders": changed, "sla_version": engine.sla.version})
        return changed

    def _current(self, row: dict[str, object]) -> bool:
        view = self.runtime.store.get_work_order(str(row["id"]))
        if view is None:
            return True
        engine = self.runtime.engine
        facts = engine.timing_facts(view.row, view.history)
        deadlines = compute_deadlines(facts, engine.sla, engine.calendars)
        return bool(is_current(deadlines, facts, engine.sla, engine.calendars)
                    and deadlines.calendar_version == view.row["calendar_version"])

    def _recompute(self, tx: WorkOrderTransaction, work_order_id: str) -> int:
        view = load_work_order(tx.db, work_order_id, for_update=True)
        if view is None:
            return 0
        engine, row = self.runtime.engine, view.row
        facts = engine.timing_facts(row, view.history)
        deadlines = compute_deadlines(facts, engine.sla, engine.calendars)
        visit = deadlines.return_visit
        responded = row["first_responded_at"] is not None or row["replied_at"] is not None
        tx.update(work_order_id, {  # a limit already met or missed stays what it was when it was answered
            "priority": deadlines.priority,
            "first_response_due": row["first_response_due"] if responded else deadlines.first_response.due.at,
            "reply_due": row["reply_due"] if row["replied_at"] is not None else deadlines.reply.due.at,
            "return_visit_due": None if visit is None else visit.due.at,
            "sla_version": deadlines.sla_version, "calendar_version": deadlines.calendar_version,
        }, history=[HistoryEntry(at=self.runtime.clock.now(), kind="field", actor="hub", system="HUB",
                                 action="RECALCULATE", field="sla_version", old_value=row["sla_version"],
                                 new_value=deadlines.sla_version, note="deadlines recalculated")])
        fired = {d["kind"] for d in view.deadlines if d["fired_at"] is not None}
        resume_at = next((d["due_at"] for d in view.deadlines if d["kind"] == RESUME and d["fired_at"] is None), None)
        tx.replace_deadlines(work_order_id, deadline_rows(
            deadlines, facts, engine.sla, engine.calendars, state=WorkOrderState(row["state"]),
            escalation_level=int(row["escalation_level"] or 0), fired=fired, resume_at=resume_at))
        return 1

    # -- the thread ----------------------------------------------------------------------------------------------

    def start(self) -> DeadlineScheduler:
        self.recalculate()
        self._thread = threading.Thread(target=self._run, name="deadline-scheduler", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                while self.run_pass().fired >= self.batch and not self._stop.is_set():
                    pass
            except Exception:  # the next pass tries again: the claimed rows were rolled back
                log.exception("deadline scheduler pass failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

