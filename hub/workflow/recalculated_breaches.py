"""What a recalculation (an SLA table or calendar edit, a tier BOSS gave late: ``recalculation.recompute``) does to a
limit's breach (docs/deadlines.md, "a limit the rules move"):

* a limit it makes overdue (its alarm was still ahead, its new instant has passed): the alarm row is due at the
  recalculation (`started_alarms`), not at the limit gone by, which the scheduler would take for levels missed while
  the hub was down ("after an outage") and tell a role high up the chain at once. So the breach tells the chain's
  first role, in words naming the change (`change_words`), and climbs from then on at the usual intervals
  (``schedule.breach_start``). A limit that had passed before the change too (the hub was down) is left to the
  outage rule;
* a breached limit it moves past now (`undone_limits`): that limit's breach is undone (`undo_breaches`): its
  fired alarm and escalation rows are forgotten, so they are scheduled again at the new limit, its open breach
  notices closed in OA (as the reply closes them), and a ``BREACH_UNDONE`` history entry says so. The work
  order's ``escalation_level`` and the chain's progress are kept: the level names the OA to-do ids, and one the
  hub closed cannot be pushed again under the same id; escalation stops until the new limit, whose breach is told
  as a new breach (``breach_roles``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import delete

from hub.workflow.changes import FollowUp
from hub.workflow.clock import operator_instant
from hub.workflow.deadlines import AlertLevel, DeadlineKind, Deadlines
from hub.workflow.limit_columns import LIMIT_COLUMNS
from hub.workflow.schedule import RESUME, deadline_kind, parse_kind
from hub.workflow.store import HistoryEntry, WorkOrderTransaction, WorkOrderView
from hub.workflow.store.schema import deadlines as deadline_table
from hub.workflow.todos import close_todos, open_todos

__all__ = ["UNDONE", "change_words", "started_alarms", "undo_breaches", "undone_limits"]

UNDONE = "BREACH_UNDONE"  # the history action of a breach a recalculation undid
_CHANGES = ("RECALCULATE", "TIER")  # the history actions of a recalculation


def started_alarms(rows: Iterable[tuple[str, datetime]], previous: Sequence[Mapping[str, Any]],
                   stored: Mapping[str, Any], now: datetime, *, start: bool = True,
                   stale: bool = False) -> list[tuple[str, datetime]]:
    """``rows`` (kind, due time) as the work order's deadline rows are written: ``previous``, its deadline rows
    before, ``stored``, its row before (the limits they were computed from). An alarm overdue:

    * pending and started by an earlier recalculation (due later than its stored limit, ``schedule.breach_start``)
      keeps that due: an action or another recalculation never resets it to the limit gone by;
    * pending and overdue at its limit (the hub was down) follows the limit: no recalculation started it, its
      breach keeps the outage rule (before, the later of the two was kept, and taken for a start);
    * made overdue now (it was ahead, or not pending) is due ``now`` with ``start`` (a recalculation), so that
      ``breach_start`` sees when the change made it overdue.

    ``stale``: the rows of a work order computed from other rules, written before the recalculation reached it (an
    escalation's reschedule): an alarm pending before keeps its due, for the recalculation to judge."""
    pending = {str(d["kind"]): d["due_at"] for d in previous if d["fired_at"] is None}
    written: list[tuple[str, datetime]] = []
    for kind, due in rows:
        if kind != RESUME and parse_kind(kind)[1] == AlertLevel.ALARM.value and due <= now:
            before = pending.get(kind)
            if stale and before is not None:
                due = before
            elif before is None or before > now:
                due = now if start else due
            elif _started(kind, before, stored):
                due = before
        written.append((kind, due))
    return sorted(written, key=lambda row: row[1])


def _started(kind: str, due: datetime, stored: Mapping[str, Any]) -> bool:
    """Whether the pending alarm ``kind`` due ``due`` was started by a recalculation: due after its stored limit."""
    column = LIMIT_COLUMNS.get(parse_kind(kind)[0])
    limit = stored.get(column) if column is not None else None
    return isinstance(limit, datetime) and due > limit


def undone_limits(deadlines: Deadlines, fired: Mapping[str, datetime], now: datetime) -> list[DeadlineKind]:
    """The limits whose alarm fired that the recomputed ``deadlines`` put ahead of ``now`` again (or paused with
    time left): their breach is no more."""
    return [deadline.kind for deadline in deadlines.all
            if deadline.open and deadline_kind(deadline.kind, AlertLevel.ALARM) in fired
            and (deadline.due.at is None or deadline.due.at > now)]


def undo_breaches(tx: WorkOrderTransaction, view: WorkOrderView, limits: Sequence[DeadlineKind],
                  fired: dict[str, datetime], deadlines: Deadlines, cause: str, now: datetime,
                  zone: tzinfo) -> list[FollowUp]:
    """Undo the breaches of ``limits`` (`undone_limits`) of the locked work order ``view``: their fired alarm and
    escalation rows forgotten (taken out of ``fired`` too), their open breach notices closed, a history entry each
    (``REPLY due …`` in the operator's ``zone``, as a warning's entry says it); the CompleteTodo follow-ups to
    send."""
    if not limits:
        return []
    row, work_order_id = view.row, str(view.row["id"])
    values = {limit.value for limit in limits}
    kinds = [kind for kind in fired if kind != RESUME and kind.partition(":")[0] in values
             and parse_kind(kind)[1] != AlertLevel.WARNING.value]
    tx.db.execute(delete(deadline_table).where(deadline_table.c.work_order_id == work_order_id,
                                               deadline_table.c.kind.in_(kinds),
                                               deadline_table.c.fired_at.is_not(None)))
    for kind in kinds:
        del fired[kind]
    due = {deadline.kind: deadline.due.at for deadline in deadlines.all}
    tx.append_history(work_order_id, [HistoryEntry(
        at=now, kind="field", actor="hub", system="HUB", action=UNDONE, field="deadline",
        old_value=f"{limit.value} breached",
        new_value=f"{limit.value} due {_said(due.get(limit), zone)}",
        note=f"{cause}: the limit is ahead again, its breach undone; escalation level "
             f"{int(row.get('escalation_level') or 0)} kept, no escalation before the new limit")
        for limit in limits])
    todos = [todo for todo in open_todos(row, view.history) if not todo.hand_up and todo.limit in values]
    return close_todos(tx, row, todos, f"work order {row['id']}: {cause} moved the breached limit ahead", now)


def change_words(history: Sequence[Mapping[str, Any]], since: datetime) -> str:
    """What a breach a recalculation started at ``since`` says of it: ``under the SLA table 1a2b… changed``."""
    entry = next((h for h in reversed(history) if h.get("action") in _CHANGES and h["at"] <= since), None)
    if entry is None:
        return "under the rules changed"
    if entry["action"] == "TIER":
        return f"under the tier {entry.get('new_value') or ''} BOSS gave late".replace("  ", " ")
    return f"under the {entry.get('note') or 'rules'} changed"


def _said(instant: datetime | None, zone: tzinfo) -> str:
    return "paused" if instant is None else operator_instant(instant, zone)
