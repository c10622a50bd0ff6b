"""What a work order's clock owes now, as the engine reads it: its ``TimingFacts`` (hand-overs and pauses from its
history), its pending deadline rows rescheduled, and when an escalation to-do is due (docs/deadlines.md).

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
from hub.workflow.deadlines import TimingFacts, compute_deadlines, pauses_from_states
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.schedule import ESCALATE, RESUME, chain_level, deadline_rows, parse_kind
from hub.workflow.sla import SlaTable
from hub.workflow.store import WorkOrderTransaction, WorkOrderView

__all__ = ["WorkOrderTiming"]

S = WorkOrderState
Row = dict[str, Any]


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

    def reschedule(self, tx: WorkOrderTransaction, row: Row,
                   view: WorkOrderView) -> list[tuple[str, datetime]]:
        """Replace the work order's pending deadline rows by those ``row`` (its current escalation level, state and
        history) owes now (returned: kind and due instant); rows fired already stay fired."""
        facts, sla, calendars = self.timing_facts(row, view.history), self.sla, self.calendars
        fired = {d["kind"] for d in view.deadlines if d["fired_at"] is not None}
        resume_at = next((d["due_at"] for d in view.deadlines if d["kind"] == RESUME
                          and d["fired_at"] is None), None)
        rows = deadline_rows(compute_deadlines(facts, sla, calendars), facts, sla, calendars, state=S(row["state"]),
                             escalation_level=chain_level(fired), fired=fired, resume_at=resume_at)
        tx.replace_deadlines(row["id"], rows)
        return rows

    # -- clock ---------------------------------------------------------------------------------------------------

    def timing_facts(self, row: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> TimingFacts:
        states = [(h["at"], h["from_state"] or "", h["to_state"] or "") for h in history
                  if h["kind"] == "state" and h["from_state"]]
        pauses, paused_since = pauses_from_states(states)
        handovers = tuple((h["at"], str(h["new_value"])) for h in history
                          if h["kind"] == "field" and h["field"] == "owner")
        return TimingFacts(created_at=row["created_at"], tier=row["tier"], department=self.settings.intake_department,
                           handovers=handovers, pauses=pauses, paused_since=paused_since,
                           first_responded_at=row.get("first_responded_at"), replied_at=row.get("replied_at"),
                           return_visited_at=row.get("return_visited_at"),
                           return_visit=row.get("ticket_type") != "INCIDENT")
