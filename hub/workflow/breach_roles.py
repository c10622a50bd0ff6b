"""Who a limit's breach tells (docs/deadlines.md, "escalation"): every limit's breach is told to a role of the tier's
SLA chain, also when another limit's breach took the chain up already.

A breach's row has the limit's own level (``REPLY:ALARM`` 1, ``REPLY:ESCALATE2`` 2, each due an escalation interval
after the one before, from that limit's own breach). The chain's progress (``told``) is the highest level any
breach told so far, read from the history (the roles the breaches' ``ESCALATE`` entries name) as well as from the
fired rows: a breach may tell a role above its own level, which the row's kind does not say. So:

* a level above the chain's progress tells that level's role (the chain climbed as before);
* a limit's first breach (its alarm) at or below it is a new breach, told whoever it went to before: the role
  above the one reached while that role still has an open notice of this limit's breach (it is sitting on one
  already; another limit's notice does not count: it is closed when that limit is answered, this one still owed),
  that role again, with a new to-do, once it no longer has (completed in OA, or closed by the reply or the first
  response); past the chain's end the last role again, unless its notice of this limit's breach is still open (a
  second to-do of the same work order to the same person, seconds apart after an outage, tells nothing more: the
  breach is noted in the history);
* a later level of a limit at or below it (the breach still unanswered an interval on) tells the role above the one
  reached; none once the chain is used up: its last role was told of this breach already;
* levels that came due while no pass ran (the hub was down) are passed over (``overdue_levels``): the breach is
  told once, at the highest of them, saying how late.

Without this a breach whose level another limit's breach had reached told nobody: a reply breach after a late
first response, a return visit missed after the reply's breach climbed the whole chain.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow.calendars import Calendars
from hub.workflow.deadlines import DeadlineKind, TimingFacts, next_escalation
from hub.workflow.schedule import ESCALATE, chain_level, deadline_kind
from hub.workflow.sla import Escalation, SlaRow, SlaTable
from hub.workflow.todos import breach_told_roles

__all__ = ["breach_step", "chain_told", "overdue_levels"]


def chain_told(sla_row: SlaRow, history: Sequence[Mapping[str, Any]], fired: Collection[str]) -> int:
    """How far up ``sla_row``'s chain the work order's breaches have told: the highest level of a role a breach's
    ``ESCALATE`` entry names (an incident's manager is no role of the chain), or of a fired alarm or escalation
    row (``fired``: kinds); 0 before the first breach."""
    chain = list(sla_row.escalation)
    roles = [chain.index(role) + 1 for role in breach_told_roles(history) if role in chain]
    return max([chain_level(fired), *roles])


def overdue_levels(facts: TimingFacts, sla: SlaTable, calendars: Calendars, limit: DeadlineKind, level: int,
                   now: datetime, *, since: datetime | None = None) -> list[tuple[str, datetime]]:
    """The levels of ``limit``'s breach above ``level`` whose due times have passed by ``now`` (kind, due time):
    the hub was not running when they came due. The scheduler goes straight to the highest, telling that role
    once, instead of replaying each level a pass apart (a to-do pushed and closed again seconds later, a CRM notice
    per level). ``since``: the breach began then, made overdue by a recalculation (``schedule.breach_start``): its
    levels are counted from there, not from the limit."""
    passed: list[tuple[str, datetime]] = []
    while (step := next_escalation(facts, sla, calendars, limit, level, since=since)) is not None \
            and step.due.at is not None and step.due.at <= now:
        level = step.level
        passed.append((deadline_kind(limit, f"{ESCALATE}{level}"), step.due.at))
    return passed


def breach_step(sla_row: SlaRow, level: int, told: int, open_notices: Collection[str], *,
                first: bool) -> Escalation | None:
    """The role a breach at its limit's own ``level`` tells, the chain told up to ``told``; ``open_notices``: the
    roles with a breach notice still open in OA; ``first``: the limit's alarm fired (its breach not told before),
    ``level`` above 1 when the scheduler went straight past levels that came due while it did not run. None:
    nobody (a later level once the chain is used up)."""
    if level > told:
        return sla_row.escalation_at(level)
    above = sla_row.escalation_at(told + 1)
    if not first:
        return above
    reached = sla_row.escalation_at(min(told, len(sla_row.escalation))) if sla_row.escalation else None
    if reached is not None and reached.role in open_notices:
        return above  # None: the chain's last role has this work order's notice open still, not given a second
    return reached
