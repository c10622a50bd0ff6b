"""Which deadline rows a work order has, from its computed ``Deadlines``: the warning and the alarm of each open
limit, then, once an alarm has fired, the next escalation of that limit — never a kind that fired already.

A row's kind is ``<LIMIT>:<WHAT>``: ``REPLY:WARNING``, ``REPLY:ALARM``, ``REPLY:ESCALATE2`` (level 2 of the chain;
level 1 is the alarm's own escalation); a suspended work order also has ``SUSPENSION:RESUME`` at its Until.
Fired rows stay in the store, so recomputing after any change (a pause,
a handover, a table reload) re-creates only what is still to come.

Each breached limit climbs from its own breach (`limit_level`): its level n is due (n - 1) escalation intervals
after its limit, whatever another limit's breach told. The SLA chain's progress (`chain_level` of the fired rows,
and the roles the history names: ``hub.workflow.breach_roles``) decides who a firing row tells. It is not the work
order's ``escalation_level``, which a department's own ESCALATE action raises as well: a hand-up tells the
department it names, not the chain's role, so the chain's first role is still told at the first breach.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from hub.workflow.calendars import Calendars
from hub.workflow.deadlines import AlertLevel, DeadlineKind, Deadlines, TimingFacts, next_escalation
from hub.workflow.lifecycle import FINAL, WorkOrderState
from hub.workflow.sla import SlaTable

__all__ = ["ESCALATE", "RESUME", "breach_start", "chain_level", "deadline_kind", "deadline_rows", "fired_rows",
           "limit_level", "parse_kind"]

ESCALATE = "ESCALATE"
RESUME = "SUSPENSION:RESUME"  # a suspended work order resumes at its Suspend's Until


def deadline_kind(limit: DeadlineKind, what: AlertLevel | str) -> str:
    return f"{limit.value}:{what.value if isinstance(what, AlertLevel) else what}"


def parse_kind(kind: str) -> tuple[DeadlineKind, str, int]:
    """``REPLY:ESCALATE2`` → (REPLY, "ESCALATE", 2); ``REPLY:ALARM`` → (REPLY, "ALARM", 1); warnings level 0."""
    limit, _, what = kind.partition(":")
    if what.startswith(ESCALATE):
        return DeadlineKind(limit), ESCALATE, int(what[len(ESCALATE):])
    return DeadlineKind(limit), what, 1 if what == AlertLevel.ALARM.value else 0


def chain_level(fired: Collection[str]) -> int:
    """The SLA chain level the fired rows ``fired`` (kinds) reached: the highest alarm (1) or escalation level of any
    limit; 0 before the first breach. Warnings and the suspension's end do not count."""
    return max((parse_kind(kind)[2] for kind in fired if kind != RESUME), default=0)


def limit_level(limit: DeadlineKind, fired: Collection[str]) -> int:
    """The highest level of ``limit``'s own breach rows among ``fired`` (kinds): 1 after its alarm, n after its
    ``ESCALATE<n>``; 0 before its breach. Another limit's rows do not count."""
    prefix = f"{limit.value}:"
    return max((parse_kind(kind)[2] for kind in fired if kind.startswith(prefix)), default=0)


def fired_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, datetime]:
    """The kinds of a work order's fired deadline rows (``WorkOrderView.deadlines``) and when each was due."""
    return {str(row["kind"]): row["due_at"] for row in rows if row["fired_at"] is not None}


def breach_start(limit: DeadlineKind, limit_due: datetime | None, fired: Collection[str]) -> datetime | None:
    """When ``limit``'s breach began, if later than the limit itself: its alarm row was due then because a
    recalculation (an SLA table or calendar edit, a tier given late) made the limit overdue at that moment
    (``hub.workflow.recalculated_breaches``). None for a breach at its limit; ``fired``: kinds, or kinds and due
    times (`fired_rows`)."""
    if not isinstance(fired, Mapping) or limit_due is None:
        return None
    alarm = fired.get(deadline_kind(limit, AlertLevel.ALARM))
    return alarm if isinstance(alarm, datetime) and alarm > limit_due else None


def deadline_rows(deadlines: Deadlines, facts: TimingFacts, sla: SlaTable, calendars: Calendars, *,
                  state: WorkOrderState, fired: Collection[str],
                  resume_at: datetime | None = None, outage_id: str | None = None) -> list[tuple[str, datetime]]:
    """Each breached limit's next level is due from its own breach (`limit_level`), not from the level another
    limit's breach took the chain to: who it tells is decided when it fires (``hub.workflow.breach_roles``), or
    from the moment a recalculation made it overdue (`breach_start`; ``fired`` with the due times).
    An AUTO_ANSWERED work order linked to its outage notice (``outage_id``) owes nothing: the notice's clearance
    replies it. One a revision of the notice unlinked (no ``outage_id``) is back on its reply limit
    (docs/outages.md)."""
    if state in FINAL or (state is WorkOrderState.AUTO_ANSWERED and outage_id is not None):  # off the clock
        return []
    rows: list[tuple[str, datetime]] = []
    if state is WorkOrderState.SUSPENDED and resume_at is not None:
        rows.append((RESUME, resume_at))
    for alert in deadlines.alerts():
        kind = deadline_kind(alert.kind, alert.level)
        if kind not in fired:
            rows.append((kind, alert.at))
    for deadline in deadlines.all:
        if not deadline.open or deadline_kind(deadline.kind, AlertLevel.ALARM) not in fired:
            continue
        step = next_escalation(facts, sla, calendars, deadline.kind, max(limit_level(deadline.kind, fired), 1),
                               since=breach_start(deadline.kind, deadline.due.at, fired))
        if step is not None and step.due.at is not None:
            kind = deadline_kind(deadline.kind, f"{ESCALATE}{step.level}")
            if kind not in fired:
                rows.append((kind, step.due.at))
    return sorted(rows, key=lambda row: row[1])
