"""The deadline scheduler's passes (``hub.workflow.scheduler`` runs them): each finds the due deadline rows through
the store's index on the due time and acts on them.

* a warning (``<LIMIT>:WARNING``, the SLA table's share of the limit run): noted in the history and a reminder
  (OA to-read) to the current owner, due at the limit (the return visit's to who makes the visit:
  ``hub.workflow.deadline_warnings``); a work order paused since the warning came due (the pass ran late)
  has a limit with no instant: the reminder says so with the business time left, and has no ``Due``; a warning
  whose limit has passed by then (the hub was down) is not sent: the breach tells;
* a suspension's end (``SUSPENSION:RESUME``, its Until): the work order resumes where it was suspended, its clock
  credited up to the Until however late the pass (``WorkOrderTiming.suspension_end``); the limits recomputed then
  with the real now, so one that ran out meanwhile fires at the next pass as any breach;
* an alarm (``<LIMIT>:ALARM``, the limit run) or a later escalation (``<LIMIT>:ESCALATE<n>``): the work order's
  escalation level rises and a role of its tier's chain gets an OA to-do (``hub.workflow.deadline_breaches``;
  which role: ``hub.workflow.breach_roles``, every limit's breach told); its state and owner stay, so the flow
  goes on and no deadline moves to another department's calendar; once the chain is used up for it the breach is
  noted in the history. Levels that came due while no pass ran are passed over (recorded fired) and the highest
  told once, saying how late.

A pass claims at most ``batch`` rows in one store transaction (on PostgreSQL their work orders, then the rows,
``FOR UPDATE ... SKIP LOCKED``: the lock order of every action, so a pass and an action never deadlock, and several
hub processes on one database fire each deadline once) and sends what the rows owe other systems before it
commits, with message ids derived from the deadline row and its work order (``deadline_cause_id``), so a pass
repeated after a failed commit sends the same ids (OA answers a repeated MessageId DUPLICATE). Each row fires in
its own savepoint: a row that fails for good (a document OA's schema refuses, a limit a calendar cannot place) is
marked fired with the error in its work order's history and the log, and the pass goes on; a failure of the
database or the broker rolls the pass back (a deadlock or a serialization failure is run again at once, anything
else at the next interval). The instants it writes in free text (history values and notes, the reminders' and the
escalations' summaries) are in the operator's zone with their offset (``[workflow] statistics_timezone``, as
``onepoint workorders show`` prints them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree
from sqlalchemy.exc import InterfaceError, OperationalError

from hub.database import stale_plan
from hub.envelope import HUB_SYSTEM, Envelope
from hub.routing.outbound import Outbound
from hub.workflow.commands import ActionRequest
from hub.workflow.deadline_breaches import fire_breach
from hub.workflow.deadline_warnings import fire_warning
from hub.workflow.deadline_wording import local_instant
from hub.workflow.engine import FollowUp
from hub.workflow.follow_ups import follow_up_document
from hub.workflow.history_clock import change_moment
from hub.workflow.lifecycle import FINAL, LifecycleAction, WorkOrderState
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.schedule import RESUME, parse_kind
from hub.workflow.store import DueDeadline, HistoryEntry, StaleWorkOrderError, WorkOrderTransaction
from hub.workflow.store.due import DueBatch, mark_fired
from hub.workflow.store.queries import load_work_order
from hub.workflow.work_order_readers import keep_oa_item

__all__ = ["TRANSIENT", "DeadlinePasses", "SchedulerPass", "deadline_cause_id"]

log = logging.getLogger("onepoint.workflow.scheduler")  # the scheduler's logger: its passes are its work
# a pass that fails on these rolls back whole and is run again: the database or the broker, not the row, failed
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError, StaleWorkOrderError)


def deadline_cause_id(deadline: DueDeadline) -> str:
    """The id of the firing that causes what a due deadline row sends, from which their message ids are derived:
    the same for a pass run again on the same row (OA answers the repeat DUPLICATE), and unique beyond this
    database. The row's id alone is unique only inside one database, while the adapters' processed stores outlive
    it (a database created again, restored, migrated, another deployment's from the same working folder): a new
    row with an old row's id would be dropped as the old one's duplicate. The work order's id tells two complaints
    apart in any database (``WO`` + date + 8 characters drawn or taken from its complaint's message id), so it
    comes first; the same complaint replayed into a restored database is the same work order, and the same row's
    reminder the same message (OA drops what it had). At most 64 characters for ids of up to 10 digits: still a
    ``c:MessageId``, the CorrelationId of what it sends."""
    return f"deadline-{deadline.work_order_id}-{deadline.id}-{deadline.kind}"


@dataclass
class SchedulerPass:
    fired: int = 0  # rows claimed and handled (those replaced since they were claimed included)
    warnings: int = 0
    escalations: int = 0
    failed: int = 0  # rows that failed for good: marked fired, the error in the work order's history
    sent: list[str] = field(default_factory=list)  # command types sent, in order


class DeadlinePasses:
    """One pass at a time over the due deadline rows (``DeadlineScheduler`` runs them in its thread)."""

    def __init__(self, runtime: WorkflowRuntime, outbound: Outbound | None, *, batch: int = 200) -> None:
        self.runtime, self.outbound = runtime, outbound
        self.batch = batch

    def run_pass(self) -> SchedulerPass:
        """Act on up to ``batch`` due deadlines; the caller loops while a pass comes back full."""
        now = self.runtime.clock.now()
        done = SchedulerPass()
        with self.runtime.store.claim_due_deadlines(now, limit=self.batch) as due:
            for deadline in due.deadlines:
                counted = len(done.sent), done.warnings, done.escalations
                try:
                    with due.tx.savepoint("deadline_row"):
                        # marked first: the rows recomputed below must not bring it back; not marked: fired or
                        # replaced since it was claimed (an earlier row of this pass rescheduled its work order)
                        marked = mark_fired(DueBatch(due.tx, [deadline]), now)
                        follow_ups = self._fire(due.tx, deadline, now, done) if marked else []
                        for number, follow_up in enumerate(follow_ups):
                            self._send(due.tx, follow_up, deadline, number, now, done)
                except TRANSIENT:
                    raise
                except Exception as error:  # this row cannot fire: the queue goes on without it
                    if stale_plan(error):  # a newer hub's migration under this one's statements: the pass again
                        raise
                    del done.sent[counted[0]:]
                    done.warnings, done.escalations = counted[1:]
                    marked = self._failed(due.tx, deadline, now, error)
                    done.failed += 1
                done.fired += 1  # claimed: a pass that claimed ``batch`` rows is followed by another at once
                if marked and self.runtime.metrics is not None:  # only a row that fired counts, once
                    self.runtime.metrics.deadline_fired(deadline.kind)
        return done

    def _failed(self, tx: WorkOrderTransaction, deadline: DueDeadline, now: datetime, error: Exception) -> bool:
        """Mark the row that failed for good fired, the error in its work order's history; whether it was marked
        (a row replaced meanwhile has nothing left to mark)."""
        log.error("deadline failed: marked fired, the error is in the work order's history", exc_info=error,
                  extra={"work_order_id": deadline.work_order_id, "deadline": deadline.kind,
                         "deadline_id": deadline.id})
        if not mark_fired(DueBatch(tx, [deadline]), now):
            return False
        tx.append_history(deadline.work_order_id, [HistoryEntry(
            at=now, kind="field", actor="hub", system="HUB", action="DEADLINE_FAILED", field="deadline",
            new_value=f"{deadline.kind} due {self._local(deadline.due_at)}",
            note=f"{type(error).__name__}: {error}"[:2000])])
        return True

    def _fire(self, tx: WorkOrderTransaction, deadline: DueDeadline, now: datetime,
              done: SchedulerPass) -> list[FollowUp]:
        """What the claimed row ``deadline``, marked fired, does now."""
        view = load_work_order(tx.db, deadline.work_order_id, for_update=True)
        if view is None or WorkOrderState(view.row["state"]) in FINAL:
            return []
        if not any(d["id"] == deadline.id and d["kind"] == deadline.kind for d in view.deadlines):
            return []  # replaced by an earlier row of this pass firing
        now = change_moment(now, view.history, view.row["updated_at"])  # never before its last entry: a clock back
        row = view.row
        if deadline.kind == RESUME:
            if row["state"] != WorkOrderState.SUSPENDED.value:
                return []
            request = ActionRequest(row["id"], LifecycleAction.RESUME, "hub", "HUB",
                                    {"Note": f"suspended until {self._local(deadline.due_at)}"})
            return self.runtime.engine.act(tx, request, now).follow_ups
        limit, what, _ = parse_kind(deadline.kind)
        engine = self.runtime.engine
        if what == "WARNING":  # the row is due at the warning share: told the limit itself (or nothing, passed)
            follow_ups = fire_warning(engine, tx, row, view.history, limit, deadline.id, now)
            done.warnings += follow_ups is not None
            return follow_ups or []
        follow_ups = fire_breach(engine, tx, view, deadline, now)  # a role of the chain told, or noted
        done.escalations += follow_ups is not None
        return follow_ups or []

    def tell_oa(self, follow_up: FollowUp, cause_id: str) -> None:
        """Send ``follow_up`` (a breach notice's CompleteTodo a recalculation owes) for the cause ``cause_id``,
        inside the caller's transaction (``recalculation.recalculate``'s ``tell``)."""
        if self.outbound is None:
            return
        document = follow_up_document(follow_up, self.runtime.clock.now(), operator="hub",
                                      link_base=self.runtime.link_base, taxonomy=self.runtime.engine.taxonomy,
                                      zone=self.runtime.engine.settings.local_zone)
        cause = Envelope(cause_id, "workflow.Recalculate", HUB_SYSTEM, b"")
        step = f"{follow_up.kind}-{follow_up.details.get('item_id', '')}"
        self.outbound.send(document, cause=cause, step=step, consumer="workflow-scheduler")

    def _local(self, instant: datetime) -> str:
        return local_instant(self.runtime.engine, instant)

    def _send(self, tx: WorkOrderTransaction, follow_up: FollowUp, deadline: DueDeadline, number: int,
              now: datetime, done: SchedulerPass) -> None:
        if self.outbound is None:
            return
        document = follow_up_document(follow_up, now, operator="hub", link_base=self.runtime.link_base,
                                      taxonomy=self.runtime.engine.taxonomy,
                                      zone=self.runtime.engine.settings.local_zone)
        cause = Envelope(deadline_cause_id(deadline), "workflow.Deadline", HUB_SYSTEM, b"")
        self.outbound.send(document, cause=cause, step=f"{follow_up.kind}-{number}", consumer="workflow-scheduler")
        keep_oa_item(tx.db, document, now)  # a to-do or to-read: OA may read the work order its link leads to
        done.sent.append(etree.QName(document).localname)
