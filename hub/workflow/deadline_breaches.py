"""What a deadline's breach row (``<LIMIT>:ALARM``, ``<LIMIT>:ESCALATE<n>``) does when the scheduler fires it
(docs/deadlines.md, "who a breach tells", "after an outage"): a role of the tier's SLA chain is told
(``WorkOrderEngine.escalate_on_breach``: an OA to-do, a VIP's or group customer's account manager a CRM notice),
which one ``hub.workflow.breach_roles`` decides; or, nobody left to tell, a ``BREACH`` note in the history.

Levels of the breach that came due while no pass ran (the hub was down) are recorded fired without firing
(``store.due.record_fired``) and the breach is told once, at the highest, saying how late: before, each was
replayed a pass apart, a to-do pushed and closed again seconds later and a CRM notice per level. A breach a
recalculation made overdue (its alarm row due at the recalculation, later than the limit: ``schedule.breach_start``)
is no outage: its levels count from then, and its alarm says the change (``…breached under the SLA table 1a2b…
changed at …``), not how late.
"""

from __future__ import annotations

from datetime import datetime

from hub.workflow.breach_roles import breach_step, chain_told, overdue_levels
from hub.workflow.changes import FollowUp
from hub.workflow.deadline_wording import breach_words, business_span, local_instant
from hub.workflow.engine import WorkOrderEngine
from hub.workflow.limit_columns import LIMIT_COLUMNS
from hub.workflow.recalculated_breaches import change_words
from hub.workflow.schedule import ESCALATE, breach_start, fired_rows, parse_kind
from hub.workflow.store import DueDeadline, HistoryEntry, WorkOrderTransaction, WorkOrderView
from hub.workflow.store.due import record_fired
from hub.workflow.store.queries import load_work_order
from hub.workflow.todos import open_todos

__all__ = ["fire_breach"]


def fire_breach(engine: WorkOrderEngine, tx: WorkOrderTransaction, view: WorkOrderView, deadline: DueDeadline,
                now: datetime) -> list[FollowUp] | None:
    """What the breach row ``deadline`` (marked fired) of the locked work order ``view`` owes; None when nobody is
    told (noted in the history, the limit's next level, if any, scheduled)."""
    row = view.row
    limit, what, level = parse_kind(deadline.kind)
    sla_row = engine.sla.row(row["tier"])
    told = chain_told(sla_row, view.history, {d["kind"] for d in view.deadlines
                                              if d["fired_at"] is not None and d["id"] != deadline.id})
    stored = row.get(LIMIT_COLUMNS[limit])
    limit_due = stored if isinstance(stored, datetime) else None
    since = breach_start(limit, limit_due,
                         {**fired_rows(view.deadlines), **({deadline.kind: deadline.due_at} if level == 1 else {})})
    passed = overdue_levels(engine.timing_facts(row, view.history), engine.sla, engine.calendars, limit, level, now,
                            since=since)
    if passed:  # came due while no pass ran: straight to the highest, told once
        record_fired(tx, str(row["id"]), passed, now)
        view = load_work_order(tx.db, deadline.work_order_id, for_update=True) or view
        level = parse_kind(passed[-1][0])[2]
    reason = breach_words(engine, row, view.history, limit, level, deadline.due_at)
    # made overdue by a recalculation: told from its first level, saying so
    if since is not None and limit_due is not None and level == 1:
        reason = (f"{limit.value} deadline {local_instant(engine, limit_due)} breached "
                  f"{change_words(view.history, since)} at {local_instant(engine, since)}")
    elif passed:
        reason = f"{reason}, told {business_span(now - passed[-1][1])} after level {level} came due"
    # roles (not users) sitting on an open notice of this limit's breach: another limit's notice does not tell of
    # this one (the first response closes a first-response notice while the reply is still owed)
    notices = {todo.role for todo in open_todos(row, view.history)
               if todo.role is not None and todo.limit == limit.value}
    step = breach_step(sla_row, level, told, notices, first=what != ESCALATE)
    if step is None:  # the chain's last role was told of this breach, or has this work order's notice open
        tx.append_history(str(row["id"]), [HistoryEntry(
            at=now, kind="field", actor="hub", system="HUB", action="BREACH", field="deadline",
            new_value=reason, note=f"already escalated to level {told}: the escalation chain is exhausted")])
        engine.reschedule(tx, dict(row), view, now)  # this limit's next level, if any, due later
        return None
    return engine.escalate_on_breach(tx, view, step, reason, now, limit=limit)
