"""A work order's deadlines as a pure function of its timing facts, the SLA table and the calendars.

The clock runs from creation in the calendar of whichever department owns the work order at each moment, and
stops while the order is PENDING or SUSPENDED: a deadline is the instant at which the limit's business time has run
*outside* the pauses, so every pause moves it by the business time it covered (a pause over a night or a holiday
moves it by nothing). While the order is paused a deadline that was not yet reached has no instant: it is a `Due`
with ``at=None`` and the ``remaining`` business time it will have when the clock resumes. A deadline reached before
the pause began keeps its instant (a pause does not undo a breach).

Recalculation contract (for the store and the scheduler): deadlines depend on nothing but ``(facts, sla,
calendars)``. Store ``Deadlines.sla_version`` and ``Deadlines.calendar_version`` with the work order; when a table
or calendar is reloaded, every open work order for which `is_current` is false gets ``compute_deadlines`` again from
its facts and the new tables (`recalculate` answers ``None`` when nothing moved). The same call after every
pause, resume, handover, first response and reply keeps the stored due times right. Schedule only `Alert` s from
`Deadlines.alerts` (a paused deadline has none); on an alarm escalate with `next_escalation`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hub.workflow.calendar import BusinessCalendar
from hub.workflow.calendars import Calendars
from hub.workflow.clock import as_utc
from hub.workflow.lifecycle import PAUSED
from hub.workflow.sla import SlaRow, SlaTable
from hub.workflow.timeline import Due, Segment, due_after, merged_pauses, run_before, running

__all__ = ["WALL_CLOCK", "Alert", "AlertLevel", "Deadline", "DeadlineKind", "Deadlines", "Due", "EscalationStep",
           "TimingFacts", "calendar_version", "compute_deadlines", "is_current", "next_escalation",
           "pauses_from_states", "recalculate"]

WALL_CLOCK = BusinessCalendar.open_always("wall_clock", "UTC")  # the return visit's clock


class DeadlineKind(StrEnum):
    FIRST_RESPONSE = "FIRST_RESPONSE"
    REPLY = "REPLY"
    RETURN_VISIT = "RETURN_VISIT"


class AlertLevel(StrEnum):
    WARNING = "WARNING"  # the warning share of the limit has run
    ALARM = "ALARM"  # the limit has run: breach, escalate


@dataclass(frozen=True, slots=True)
class TimingFacts:
    """What a work order's deadlines depend on, all instants aware.

    ``department`` owns the order from ``created_at``; ``handovers`` are later owner changes ``(at, department)``
    in time order. ``pauses`` are the finished pending/suspended intervals ``(start, end)``; ``paused_since`` is
    set while the order is paused now. ``first_responded_at`` is the first answer to the customer or the channel
    (an order replied without one counts its reply).
    """

    created_at: datetime
    tier: str | None
    department: str
    handovers: tuple[tuple[datetime, str], ...] = ()
    pauses: tuple[tuple[datetime, datetime], ...] = ()
    paused_since: datetime | None = None
    first_responded_at: datetime | None = None
    replied_at: datetime | None = None
    return_visited_at: datetime | None = None
    return_visit: bool = True  # False: no customer to call back (an incident: its children are visited)


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    limit: timedelta
    due: Due
    warning: Due
    met_at: datetime | None  # when the step was done; a met deadline raises no more alerts

    @property
    def open(self) -> bool:
        return self.met_at is None

    def breached(self) -> bool:
        """Whether the step was done, and done after its due instant."""
        return self.met_at is not None and self.due.at is not None and self.met_at > self.due.at


@dataclass(frozen=True, slots=True)
class Alert:
    at: datetime
    kind: DeadlineKind
    level: AlertLevel


@dataclass(frozen=True, slots=True)
class Deadlines:
    tier: str | None
    priority: int
    sla_version: str
    calendar_version: str  # the calendars (and department mapping) the clock ran on
    first_response: Deadline
    reply: Deadline
    return_visit: Deadline | None  # only once replied

    @property
    def all(self) -> tuple[Deadline, ...]:
        return tuple(d for d in (self.first_response, self.reply, self.return_visit) if d is not None)

    @property
    def paused(self) -> bool:
        return any(deadline.open and deadline.due.paused for deadline in self.all)

    def alerts(self) -> list[Alert]:
        """The warnings and alarms still to fire (open deadlines with an instant), in time order."""
        alerts = []
        for deadline in self.all:
            if not deadline.open:
                continue
            for level, due in ((AlertLevel.WARNING, deadline.warning), (AlertLevel.ALARM, deadline.due)):
                if due.at is not None:
                    alerts.append(Alert(due.at, deadline.kind, level))
        return sorted(alerts, key=lambda alert: alert.at)


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """Escalate to ``role`` (level ``level``) at ``due``: level 1 at the breach, each next one an interval later."""

    level: int
    role: str
    due: Due


def compute_deadlines(facts: TimingFacts, sla: SlaTable, calendars: Calendars) -> Deadlines:
    """The work order's deadlines from its facts (pure: same inputs, same answer)."""
    row = sla.row(facts.tier)
    segments = _segments(facts, calendars)
    responded = facts.first_responded_at or facts.replied_at  # a reply is a response too
    first = _deadline(DeadlineKind.FIRST_RESPONSE, row.first_response, row, segments, responded)
    reply = _deadline(DeadlineKind.REPLY, row.reply, row, segments, facts.replied_at)
    visit = None
    if facts.replied_at is not None and facts.return_visit:
        visit = _deadline(DeadlineKind.RETURN_VISIT, row.return_visit, row, _visit_segments(facts, facts.replied_at),
                          facts.return_visited_at)
    return Deadlines(facts.tier, row.priority, sla.version, calendar_version(facts, calendars), first, reply, visit)


def recalculate(previous: Deadlines, facts: TimingFacts, sla: SlaTable, calendars: Calendars) -> Deadlines | None:
    """The new deadlines after a table or calendar change, ``None`` when nothing (versions included) changed."""
    fresh = compute_deadlines(facts, sla, calendars)
    return None if fresh == previous else fresh


def is_current(deadlines: Deadlines, facts: TimingFacts, sla: SlaTable, calendars: Calendars) -> bool:
    """Whether ``deadlines`` were computed from these very SLA table and calendars (else: recalculate)."""
    return deadlines.sla_version == sla.version and deadlines.calendar_version == calendar_version(facts, calendars)


def next_escalation(facts: TimingFacts, sla: SlaTable, calendars: Calendars, kind: DeadlineKind,
                    current_level: int, *, since: datetime | None = None) -> EscalationStep | None:
    """The escalation after ``current_level`` (0 = none yet) of a breached deadline; ``None`` past the chain's end.

    Level 1 is due at the deadline itself, level n at the deadline plus (n - 1) escalation intervals, counted on
    the same clock as the deadline (pauses credited), so recalculation moves escalations too. ``since``: the breach
    began later than the deadline (a recalculation made it overdue, its alarm due then): the levels climb from
    there, level n (n - 1) intervals of the same clock after it.
    """
    row = sla.row(facts.tier)
    step = row.next_escalation(current_level)
    if step is None:
        return None
    extra = row.escalation_interval * (step.level - 1)
    if kind is DeadlineKind.RETURN_VISIT:
        if facts.replied_at is None:
            raise ValueError("no return-visit deadline before the reply")
        segments = _visit_segments(facts, facts.replied_at)
        limit = row.return_visit
    else:
        segments = _segments(facts, calendars)
        limit = row.first_response if kind is DeadlineKind.FIRST_RESPONSE else row.reply
    if since is not None:
        limit = max(limit, run_before(since, segments))
    due = due_after(limit + extra, segments)
    return EscalationStep(step.level, step.role, due)


def pauses_from_states(changes: Iterable[tuple[datetime, str, str]],
                       ) -> tuple[tuple[tuple[datetime, datetime], ...], datetime | None]:
    """``(pauses, paused_since)`` for `TimingFacts` from a work order's state changes ``(at, from, to)`` in order.

    A pause starts when the order enters PENDING or SUSPENDED from a running state and ends when it leaves them for
    one (PENDING → SUSPENDED keeps it paused). The store can feed its history's state entries here. A change stamped
    before the one that began the pause (a clock stepped back, before ``hub.workflow.history_clock``) ends it where
    it began: a pause of no length, never one that cannot be computed.
    """
    pauses: list[tuple[datetime, datetime]] = []
    since: datetime | None = None
    for at, before, after in changes:
        if after in PAUSED and before not in PAUSED and since is None:
            since = at
        elif before in PAUSED and after not in PAUSED and since is not None:
            pauses.append((since, max(since, at)))
            since = None
    return tuple(pauses), since


def calendar_version(facts: TimingFacts, calendars: Calendars) -> str:
    """A hash of the calendars the work order's owners work by (a change of any of them changes it)."""
    owners = [facts.department, *(department for _, department in facts.handovers)]
    text = ";".join(f"{d}={calendar.name}@{calendar.version}"
                    for d, calendar in zip(owners, map(calendars.for_department, owners), strict=True))
    return _digest(text)


@functools.lru_cache(maxsize=4096)
def _digest(text: str) -> str:
    """The hash of a work order's calendars (few distinct texts: each is hashed once)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _deadline(kind: DeadlineKind, limit: timedelta, row: SlaRow, segments: Sequence[Segment],
              met_at: datetime | None) -> Deadline:
    return Deadline(kind, limit, due_after(limit, segments), due_after(limit * row.warning_share, segments),
                    None if met_at is None else as_utc(met_at))


def _segments(facts: TimingFacts, calendars: Calendars) -> list[Segment]:
    """The stretches the clock runs on, by owner; a handover stamped before the previous owner's start (a clock
    stepped back, before ``hub.workflow.history_clock``) takes over at that start: that owner held it no time."""
    created = as_utc(facts.created_at)
    owners = [(created, calendars.for_department(facts.department))]
    for at, department in facts.handovers:
        owners.append((max(as_utc(at), owners[-1][0]), calendars.for_department(department)))
    return running(created, owners, _pauses(facts))


def _visit_segments(facts: TimingFacts, replied_at: datetime) -> list[Segment]:
    replied = as_utc(replied_at)
    return running(replied, [(replied, WALL_CLOCK)], _pauses(facts))


def _pauses(facts: TimingFacts) -> list[tuple[datetime, datetime | None]]:
    return merged_pauses(facts.pauses, facts.paused_since)
