"""What a work order's clock owes now, as the engine reads it: its ``TimingFacts`` (hand-overs and pauses from its
history), its pending deadline rows rescheduled, and when an escalation to-do is due (docs/deadlines.md).

A suspension with an ``Until`` lasts until that instant at the latest: a work order resumed later (the hub was down,
the scheduler lagged, a caller's ``Resume`` or ``Cancel`` came first) has its clock credited up to the Until, not up
to the action. The action's state entry keeps when the hub acted, so the history stays in time order and truthful,
and records the Until it ended at (``suspension_end``: field ``suspended_until``), which ``timing_facts`` — and so
every later recomputation and the recalculation — ends that pause at.

``WorkOrderTiming`` is the base of ``hub.workflow.engine.WorkOrderEngine``, whose ``__init__`` sets the rules it
reads (the SLA table, the calendars, the engine's settings); the scheduler and the recalculation call these on the
engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow.calendars import Calendars
from hub.workflow.changes import EngineSettings
from hub.workflow.clock import as_utc
from hub.workflow.deadlines import (
    DeadlineKind,
    Due,
    TimingFacts,
    calendar_version,
    compute_deadlines,
    pauses_from_states,
)
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.recalculated_breaches import started_alarms
from hub.workflow.schedule import ESCALATE, RESUME, deadline_rows, fired_rows, parse_kind
from hub.workflow.sla import SlaTable
from hub.workflow.store import WorkOrderTransaction, WorkOrderView

__all__ = ["SUSPENDED_UNTIL", "WorkOrderTiming"]

S = WorkOrderState
Row = dict[str, Any]
SUSPENDED_UNTIL = "suspended_until"  # the field of a state entry leaving SUSPENDED after its Until: the Until


class WorkOrderTiming:
    """The deadline side of ``WorkOrderEngine``; its ``__init__`` sets these attributes."""

    sla: SlaTable
    calendars: Calendars
    settings: EngineSettings

    def todo_due(self, row: Row, pending: Sequence[tuple[str, datetime]], now: datetime) -> datetime:
        """When an escalation to-do pushed at ``now`` is due (docs/deadlines.md): when the next level of the chain
        would be told (the earliest pending escalation row of ``pending``, the work order's deadline rows), else
        — the chain's last role, a paused clock, an incident's to-do before any breach — one escalation interval
        of the tier's row from ``now`` on the owner's calendar. Never the breached limit: that has passed."""
        later = [at for kind, at in pending if kind != RESUME and parse_kind(kind)[1] == ESCALATE and at > now]
        if later:
            return min(later)
        interval = self.sla.row(row["tier"]).escalation_interval
        return self.calendars.for_department(str(row["owner"])).add(now, interval)

    def reschedule(self, tx: WorkOrderTransaction, row: Row, view: WorkOrderView,
                   now: datetime) -> list[tuple[str, datetime]]:
        """Replace the work order's pending deadline rows by those ``row`` (its current escalation level, state and
        history) owes ``now`` (returned: kind and due instant); rows fired already stay fired, and an alarm a
        recalculation started keeps its due (``recalculated_breaches.started_alarms``). A work order computed from
        other rules (an escalation before the recalculation reached it) keeps its pending alarms' dues and its
        versions: the recalculation still comes, and starts or undoes its breaches."""
        facts, sla, calendars = self.timing_facts(row, view.history), self.sla, self.calendars
        fired = fired_rows(view.deadlines)
        resume_at = next((d["due_at"] for d in view.deadlines if d["kind"] == RESUME
                          and d["fired_at"] is None), None)
        rows = started_alarms(deadline_rows(compute_deadlines(facts, sla, calendars), facts, sla, calendars,
                                            state=S(row["state"]), fired=fired, resume_at=resume_at,
                                            outage_id=row.get("outage_id")),
                              view.deadlines, view.row, now, start=False,
                              stale=not self.computed_by_rules_in_force(view))
        tx.replace_deadlines(row["id"], rows)
        return rows

    def computed_by_rules_in_force(self, view: WorkOrderView) -> bool:
        """Whether the work order ``view`` holds deadlines of this SLA table and these calendars already."""
        row = view.row
        return (row["sla_version"] == self.sla.version and row["calendar_version"] is not None
                and row["calendar_version"] == calendar_version(self.timing_facts(row, view.history), self.calendars))

    # -- clock ---------------------------------------------------------------------------------------------------

    @staticmethod
    def suspension_end(view: WorkOrderView, now: datetime) -> datetime | None:
        """The Until of the SUSPENDED work order ``view`` when it has passed by ``now`` (its ``SUSPENSION:RESUME``
        row, fired or not, due after the suspension began), else ``None``: its suspension ended there, whenever the
        action that leaves it is carried out."""
        began = max((h["at"] for h in view.history if h["kind"] == "state" and h["to_state"] == S.SUSPENDED.value
                     and h["from_state"] != S.SUSPENDED.value), default=None)
        if began is None:
            return None
        until = min((d["due_at"] for d in view.deadlines if d["kind"] == RESUME and d["due_at"] > began),
                    default=None)
        return until if until is not None and until < now else None

    def limit_due(self, row: Mapping[str, Any], history: Sequence[Mapping[str, Any]], kind: DeadlineKind) -> Due:
        """The ``kind`` limit of the work order as its history stands: an instant, or, while it is paused, the
        business time it will have left when the clock resumes (what a warning fired while paused tells)."""
        deadlines = compute_deadlines(self.timing_facts(row, history), self.sla, self.calendars)
        deadline = next((d for d in deadlines.all if d.kind is kind), None)
        if deadline is None:
            raise ValueError(f"work order {row['id']} has no {kind.value} limit yet")
        return deadline.due

    def timing_facts(self, row: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> TimingFacts:
        states = [(_state_at(h), h["from_state"] or "", h["to_state"] or "") for h in history
                  if h["kind"] == "state" and h["from_state"]]
        pauses, paused_since = pauses_from_states(states)
        incident = row.get("ticket_type") == "INCIDENT"  # a mass complaint's emergency: the hotline's 7×24 clock
        handovers = () if incident else tuple((h["at"], str(h["new_value"])) for h in history
                                              if h["kind"] == "field" and h["field"] == "owner")
        return TimingFacts(created_at=row["created_at"], tier=row["tier"], department=self.settings.intake_department,
                           handovers=handovers, pauses=pauses, paused_since=paused_since,
                           first_responded_at=row.get("first_responded_at"), replied_at=row.get("replied_at"),
                           return_visited_at=row.get("return_visited_at"),
                           return_visit=not incident)


def _state_at(entry: Mapping[str, Any]) -> datetime:
    """When a state entry's change counts for the clock: its instant, or the Until of the suspension it left when
    that came first (``SUSPENDED_UNTIL``)."""
    at: datetime = entry["at"]
    if entry.get("field") == SUSPENDED_UNTIL and entry.get("new_value"):
        return min(at, as_utc(datetime.fromisoformat(str(entry["new_value"]))))
    return at
