"""The statistics' ratios (pure): a share of a whole, SLA compliance and the return visits' satisfaction rate,
each left out (None) when its whole is 0."""

from __future__ import annotations

__all__ = ["satisfaction", "share", "sla_compliance"]


def share(part: int, whole: int) -> float | None:
    """``part / whole`` to 4 decimals, None when the whole is 0."""
    return None if whole <= 0 else round(part / whole, 4)


def sla_compliance(in_sla: int, late: int, overdue: int, cancelled_overdue: int = 0) -> float | None:
    """The share of reply limits kept: replied in time, of the replies and of the complaints whose limit passed
    unreplied (each open one will be replied late, if ever: a pause after the limit credits no time before it;
    one cancelled after its limit stays breached)."""
    return share(in_sla, in_sla + late + overdue + cancelled_overdue)


def satisfaction(satisfied: int, basically_satisfied: int, dissatisfied: int) -> float | None:
    """The satisfaction rate of the return visits: satisfied or basically satisfied, of the customers reached
    (a visit that did not reach the customer judges nothing)."""
    return share(satisfied + basically_satisfied, satisfied + basically_satisfied + dissatisfied)
