"""Intake rules: what the hub decides about a complaint right after it became a work order, before it would be
dispatched at intake. An active outage notice answers it at once; a mass complaint links it to its incident. A rule
that takes the work order over (``IntakeOutcome.handled``) stops the dispatch at intake and the rules after it.

The rules run in the creating message's transaction (``WorkOrderTransaction``); what they owe other systems comes
back as ``FollowUp`` values, sent with the creation's own before the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from hub.workflow.commands import Complaint
from hub.workflow.engine import Created, FollowUp
from hub.workflow.store import WorkOrderTransaction

__all__ = ["IntakeOutcome", "IntakeRule", "apply_intake_rules"]


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    """A rule's decision: the work order's changed columns (merged into the answer's row), the follow-ups, whether
    the rule took the work order over (no dispatch at intake), and what the CreateWorkOrder answer should add."""

    handled: bool
    row: dict[str, Any] = field(default_factory=dict)
    follow_ups: list[FollowUp] = field(default_factory=list)
    answer: dict[str, str] = field(default_factory=dict)  # OutageNoticeId, AutoAnswer, IncidentId


class IntakeRule(Protocol):
    name: str

    def at_intake(self, tx: WorkOrderTransaction, created: Created, complaint: Complaint,
                  now: datetime) -> IntakeOutcome | None: ...


def apply_intake_rules(rules: list[IntakeRule], tx: WorkOrderTransaction, created: Created, complaint: Complaint,
                       now: datetime) -> list[IntakeOutcome]:
    """Run the rules in order until one takes the work order over; ``created.row`` gets each outcome's changes."""
    outcomes: list[IntakeOutcome] = []
    for rule in rules:
        outcome = rule.at_intake(tx, created, complaint, now)
        if outcome is None:
            continue
        created.row.update(outcome.row)
        outcomes.append(outcome)
        if outcome.handled:
            break
    return outcomes
