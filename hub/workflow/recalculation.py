"""Recalculation: the open work orders whose deadlines came from another SLA table or calendar get them again from
their facts (``docs/deadlines.md``, "Contract for the store and the scheduler").

Which ones is asked of the store in SQL (``store.stale``): the SLA table's version is compared there, and one work
order per calendar hash in use tells whether all those with that hash are current. So a recalculation with nothing
to do costs a few statements, not a read of every open work order: the deadline scheduler runs it in its own thread
at start and whenever the running process reloaded the SLA table or the calendars (``rule_files``), and
``onepoint workorders recalculate`` runs it on demand. Each recomputed work order keeps what was answered
(``limit_columns``) and the rows that fired; it gets a ``RECALCULATE`` history entry per column that moved
(``moved_limits``: none when nothing did), its breaches adjusted (``recalculated_breaches``), and, when its priority or
expected resolution date (the reply's limit) moved, a ``TroubleTicketAttributeValueChangeEvent`` for the listeners
(``recompute``; ``docs/event-listeners.md``).

Several hub processes on one database (and the command beside them) each see the same edit and list the same
stale work orders, outside any lock. Each work order is judged again once its row is locked: one another process
recomputed from the same table and calendars while this one waited for the lock is left as it is, so a work order
is recalculated once per new version, whichever process comes first (``docs/deadlines.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from hub.workflow.changes import FollowUp
from hub.workflow.deadlines import Deadlines, calendar_version, compute_deadlines
from hub.workflow.lifecycle import FINAL, WorkOrderState
from hub.workflow.moved_limits import change_cause, moved_limits
from hub.workflow.recalculated_breaches import undone_limits
from hub.workflow.rules_catch_up import RECALCULATED, is_current, recompute_order
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.schedule import fired_rows
from hub.workflow.store import HistoryEntry, WorkOrderTransaction, WorkOrderView
from hub.workflow.store.queries import load_work_order
from hub.workflow.store.stale import calendar_groups, stale_work_orders

__all__ = ["OPEN_STATES", "TellOa", "recalculate", "recompute"]

log = logging.getLogger("onepoint.workflow.scheduler")
OPEN_STATES = tuple(state.value for state in WorkOrderState if state not in FINAL)
TellOa = Callable[[FollowUp, str], None]  # sends a follow-up (an OA CompleteTodo), the id of its cause given


def recalculate(runtime: WorkflowRuntime, *, stopping: Callable[[], bool] = lambda: False, chunk: int = 500,
                progress: Callable[[int, int], None] | None = None, tell: TellOa | None = None,
                left: Callable[[str], None] | None = None) -> int:
    """Recompute the open work orders computed from another SLA table or calendar; how many were. ``stopping``:
    asked between chunks (the scheduler's stop), a chunk at a time in its own transaction; ``progress(looked_at,
    changed)`` after each chunk (the CLI's progress display); ``tell``: sends the CompleteTodos of the breaches
    undone (the scheduler's; without it those work orders are left to the scheduler, each id given to ``left``:
    the command counts them)."""
    engine, store = runtime.engine, runtime.store
    sla_version = engine.sla.version
    stale_calendars = [version for version, work_order_id in calendar_groups(store.engine, OPEN_STATES, sla_version)
                       if not _current_calendars(runtime, work_order_id, version)]
    changed, looked_at, after = 0, 0, None
    while not stopping():
        ids = stale_work_orders(store.engine, OPEN_STATES, sla_version, stale_calendars, after=after, limit=chunk)
        if ids:
            with store.transaction() as tx:
                changed += sum(_recompute(runtime, tx, work_order_id, tell, left) for work_order_id in ids)
        looked_at += len(ids)
        if progress is not None:
            progress(looked_at, changed)
        if len(ids) < chunk:
            break
        after = ids[-1]
    if changed:  # every open deadline moved: said loudly, for a second hub started with other rule files does it
        log.warning("open work orders' deadlines recalculated to this process's SLA table and calendars; every hub "
                    "and workflow worker on one work-order database must have the same [workflow] sla and calendars "
                    "files, or each start recalculates them to its own", extra={
                        "work_orders": changed, "sla_version": engine.sla.version,
                        "calendars_version": engine.calendars.version})
    return changed


def _current_calendars(runtime: WorkflowRuntime, work_order_id: str, stored: str) -> bool:
    """Whether the work order's owners' calendars are those its stored hash ``stored`` was computed from."""
    view = runtime.store.get_work_order(work_order_id)
    if view is None:
        return True
    engine = runtime.engine
    return calendar_version(engine.timing_facts(view.row, view.history), engine.calendars) == stored


def _recompute(runtime: WorkflowRuntime, tx: WorkOrderTransaction, work_order_id: str, tell: TellOa | None,
               left: Callable[[str], None] | None = None) -> int:
    """Recompute one work order ``recalculate`` listed as stale; 0 when it is not by the time its row is locked
    (finished meanwhile, or recomputed from this very table and calendars by another process: a running hub, or
    ``onepoint workorders recalculate``, whose commit the lock waited for), so it is done once per new version.
    Without ``tell`` (the command, which cannot reach OA) one whose breach the change undoes is left to the
    scheduler: its breach notices are to be closed in OA."""
    view = load_work_order(tx.db, work_order_id, for_update=True)
    if view is None or WorkOrderState(view.row["state"]) in FINAL or is_current(runtime.engine, view):
        return 0
    engine, now = runtime.engine, runtime.clock.now()
    cause = change_cause(engine, view)
    if tell is None and undone_limits(compute_deadlines(engine.timing_facts(view.row, view.history), engine.sla,
                                                        engine.calendars), fired_rows(view.deadlines), now):
        log.info("work order left to the deadline scheduler: the change undoes a breach told in OA",
                 extra={"work_order_id": work_order_id})
        if left is not None:
            left(work_order_id)
        return 0
    closes: list[FollowUp] = []
    row = recompute(runtime, tx, view, lambda _deadlines, columns: moved_limits(view.row, columns, cause, now),
                    reason=RECALCULATED, closes=closes, cause=cause)
    for follow_up in closes:
        assert tell is not None
        tell(follow_up, f"recalc-{work_order_id}-{engine.sla.version}-{row['calendar_version']}")
    return 1


def recompute(runtime: WorkflowRuntime, tx: WorkOrderTransaction, view: WorkOrderView,
              entries: Callable[[Deadlines, Mapping[str, Any]], list[HistoryEntry]],
              changes: Mapping[str, Any] | None = None, *, reason: str, closes: list[FollowUp] | None = None,
              cause: str = "the recalculation") -> dict[str, Any]:
    """``rules_catch_up.recompute_order`` on the runtime's engine at its clock's now (a tier BOSS gave late:
    ``tier_recheck``)."""
    return recompute_order(runtime.engine, tx, view, runtime.clock.now(), entries, changes, reason=reason,
                           closes=closes, cause=cause)
