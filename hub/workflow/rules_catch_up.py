"""One work order brought to the SLA table and calendars in force (docs/deadlines.md, "a limit the rules move"): the
per-order step of the recalculation (``recalculation``), of a tier BOSS gave late (``tier_recheck``), and the catch-up
an action runs first on a work order the recalculation has not reached yet (``WorkOrderEngine.act``).

Before, an action between an edit and the recalculation computed its deadlines from the new table and wrote the new
versions, never through the rules of a recalculation: a breach the edit undid stayed open in OA (no
``BREACH_UNDONE``), a limit the edit made overdue was taken for an outage (a role high up the chain told at once),
and the recalculation then found the work order current and skipped it for good.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from hub.workflow.change_events import add_timing_change_event
from hub.workflow.changes import FollowUp
from hub.workflow.deadlines import Deadlines, compute_deadlines
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.limit_columns import limit_columns
from hub.workflow.moved_limits import change_cause, moved_limits
from hub.workflow.recalculated_breaches import started_alarms, undo_breaches, undone_limits
from hub.workflow.schedule import RESUME, deadline_rows, fired_rows
from hub.workflow.store import HistoryEntry, WorkOrderTransaction, WorkOrderView
from hub.workflow.store.queries import load_work_order
from hub.workflow.work_order_timing import WorkOrderTiming

__all__ = ["RECALCULATED", "catch_up", "is_current", "recompute_order"]

RECALCULATED = "deadlines recalculated to the SLA table and calendars in force"  # the attribute-change event's why


def is_current(timing: WorkOrderTiming, view: WorkOrderView) -> bool:
    """Whether the work order ``view`` holds deadlines of ``timing``'s SLA table and calendars already."""
    return timing.computed_by_rules_in_force(view)


def catch_up(timing: WorkOrderTiming, tx: WorkOrderTransaction, view: WorkOrderView,
             now: datetime) -> tuple[WorkOrderView, list[FollowUp]]:
    """The locked work order ``view`` recalculated as the recalculation does it (``RECALCULATE`` entries, breaches
    undone, alarms started) when it was computed from other rules; the work order as it is then, and the
    CompleteTodos of the breaches undone (to be sent with the caller's follow-ups). A current one costs no
    statement."""
    if is_current(timing, view):
        return view, []
    cause, closes = change_cause(timing, view), list[FollowUp]()
    recompute_order(timing, tx, view, now, lambda _deadlines, columns: moved_limits(view.row, columns, cause, now),
                    reason=RECALCULATED, closes=closes, cause=cause)
    return load_work_order(tx.db, str(view.row["id"]), for_update=True) or view, closes


def recompute_order(timing: WorkOrderTiming, tx: WorkOrderTransaction, view: WorkOrderView, now: datetime,
                    entries: Callable[[Deadlines, Mapping[str, Any]], list[HistoryEntry]],
                    changes: Mapping[str, Any] | None = None, *, reason: str,
                    closes: list[FollowUp] | None = None, cause: str = "the recalculation") -> dict[str, Any]:
    """Give the locked work order ``view`` its deadlines again from its facts with ``changes`` applied:
    priority and the limits still running, the pending deadline rows; ``entries`` (of the new deadlines and the
    columns written) go to its history. A changed tier, priority or expected resolution date is told the listeners
    in the same transaction (an attribute-change event, why: ``reason``). A limit made overdue has its alarm due
    ``now`` (``recalculated_breaches``); with ``closes``, a breached limit moved ahead has its breach undone
    (``cause``: the change, in its history entry), the CompleteTodo follow-ups added to ``closes``. Returns the row
    as it is now."""
    row = {**view.row, **(changes or {})}
    facts = timing.timing_facts(row, view.history)
    deadlines = compute_deadlines(facts, timing.sla, timing.calendars)
    columns = {**(changes or {}), **limit_columns(deadlines, view.row)}
    tx.update(row["id"], columns, history=entries(deadlines, columns))
    fired = fired_rows(view.deadlines)
    if closes is not None:
        closes += undo_breaches(tx, view, undone_limits(deadlines, fired, now), fired, deadlines, cause, now,
                                timing.settings.local_zone)
    resume_at = next((d["due_at"] for d in view.deadlines if d["kind"] == RESUME and d["fired_at"] is None), None)
    tx.replace_deadlines(row["id"], started_alarms(deadline_rows(
        deadlines, facts, timing.sla, timing.calendars, state=WorkOrderState(row["state"]),
        fired=fired, resume_at=resume_at, outage_id=row.get("outage_id")), view.deadlines, view.row, now))
    add_timing_change_event(tx, view.row, {**row, **columns}, now, reason)
    return {**row, **columns}
