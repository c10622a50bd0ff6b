"""The figures per department and per group customer (pure), from the window's department and group grains
(``grains``): each department's counts under the department that owned the work order at the event ("the
downstream rates the upstream"), with its open complaints past their reply limit (``queries.overdue_replies`` per
owner), its SLA compliance and satisfaction rate; the top groups by their members' complaints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from hub.workflow.statistics.measures import Measure
from hub.workflow.statistics.shares import satisfaction, share, sla_compliance

__all__ = ["DepartmentFigures", "GroupFigures", "department_figures", "group_figures"]

M = Measure


@dataclass(frozen=True, slots=True)
class DepartmentFigures:
    """A department's part: each count under the department that owned the work order at the event
    (``grains``, the department grain)."""

    department: str  # "" when no owner was known
    dispatched: int = 0  # dispatches it received
    invalid_dispatches: int = 0  # dispatches of its own the receiving department sent back
    dispatches_refused: int = 0
    first_contact_resolved: int = 0
    replied: int = 0
    replied_in_sla: int = 0
    replied_late: int = 0
    overdue: int = 0  # open complaints it holds past their reply limit (as of the read)
    escalated: int = 0
    reminded: int = 0
    return_visited: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0
    not_reached: int = 0
    sla_compliance: float | None = None  # replied_in_sla / (replied_in_sla + replied_late + overdue)
    satisfaction: float | None = None  # ``satisfaction``


@dataclass(frozen=True, slots=True)
class GroupFigures:
    group_id: str
    complaints: int
    share: float  # of the window's complaints
    group_name: str | None = None  # the latest its members' work orders keep (``group_names``), read with the figures


def _one(department: str, counts: Counter[str], overdue: int) -> DepartmentFigures:
    in_sla, late = counts[M.REPLIED_IN_SLA], counts[M.REPLIED_LATE]
    return DepartmentFigures(
        department, dispatched=counts[M.DISPATCHED], invalid_dispatches=counts[M.INVALID_DISPATCH],
        dispatches_refused=counts[M.DISPATCH_REFUSED], first_contact_resolved=counts[M.FIRST_CONTACT_RESOLVED],
        replied=counts[M.REPLIED], replied_in_sla=in_sla, replied_late=late, overdue=overdue,
        escalated=counts[M.ESCALATED], reminded=counts[M.REMINDED], return_visited=counts[M.RETURN_VISITED],
        satisfied=counts[M.SATISFIED], basically_satisfied=counts[M.BASICALLY_SATISFIED],
        dissatisfied=counts[M.DISSATISFIED], not_reached=counts[M.NOT_REACHED],
        sla_compliance=sla_compliance(in_sla, late, overdue),
        satisfaction=satisfaction(counts[M.SATISFIED], counts[M.BASICALLY_SATISFIED], counts[M.DISSATISFIED]))


def department_figures(counted: Mapping[str, Counter[str]], overdue: Mapping[str, int]) -> list[DepartmentFigures]:
    """Each department's figures (``counted``: its measures; ``overdue``: the open complaints it holds past their
    limit), most replies first, then most dispatches received."""
    departments = sorted({*counted, *overdue})
    found = [_one(d, counted.get(d, Counter()), overdue.get(d, 0)) for d in departments]
    return sorted(found, key=lambda f: (-f.replied, -f.dispatched, f.department))


def group_figures(groups: Counter[str], complaints: int, top: int) -> list[GroupFigures]:
    """The ``top`` groups by their members' complaints, with their share of the window's ``complaints``."""
    ranked = sorted(groups.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [GroupFigures(group, n, share(n, complaints) or 0.0) for group, n in ranked]
