"""A time an agent names ahead of now, checked before the hub acts on it: a Suspend's ``Until`` (the scheduler
resumes the work order then) and a Dispatch's ``DueAt`` (what NSP is told its ticket is due by).

Either must lie in the future, or it is refused (``until-not-future``, ``due-not-future``): the scheduler would
resume the work order at once, NSP's ticket would be overdue before it exists. Neither may lie more than
``FURTHEST_AHEAD`` (365 days, the longest SLA limit: ``hub.workflow.sla.MAX_LIMIT``) ahead of now
(``until-too-far``, ``due-too-far``): a year typed wrong (2062 for 2026) would hide a suspended complaint until then,
never warned of, breached or counted overdue. Each refusal names the value, the bound and now in the operator's
zone; the caller is answered 422 as for any refused action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from hub.workflow.clock import operator_instant
from hub.workflow.commands import WorkOrderRefused, instant
from hub.workflow.sla import MAX_LIMIT

__all__ = ["DISPATCH_DUE_AT", "FURTHEST_AHEAD", "SUSPEND_UNTIL", "FutureTime", "time_ahead"]

FURTHEST_AHEAD: timedelta = MAX_LIMIT  # no limit of the SLA table runs longer: nothing is owed further ahead


@dataclass(frozen=True, slots=True)
class FutureTime:
    """An element that names a time ahead: how a refusal words it, and its codes."""

    element: str  # Until, DueAt
    wording: str  # "until", "due at": the action's refusal reads "<Action> of <id> <wording> <value>"
    action: str  # the WorkOrderAction element: Suspend, Dispatch
    not_future: str  # the code of a time that has passed (or is now)
    too_far: str  # the code of a time more than FURTHEST_AHEAD ahead


SUSPEND_UNTIL = FutureTime("Until", "until", "Suspend", "until-not-future", "until-too-far")
DISPATCH_DUE_AT = FutureTime("DueAt", "due at", "Dispatch", "due-not-future", "due-too-far")


def time_ahead(given: str, kind: FutureTime, work_order_id: str, now: datetime, zone: tzinfo) -> datetime:
    """``given`` (``kind``'s element of the action on ``work_order_id``) as an instant, when it lies after ``now``
    and at most ``FURTHEST_AHEAD`` ahead; else refused (``WorkOrderRefused``), now and the bound in ``zone``."""
    at = instant(given, kind.element)
    said = f"{kind.action} of {work_order_id} {kind.wording} {given.strip()}"
    if at <= now:
        raise WorkOrderRefused(f"{said}: that time has passed (it is {operator_instant(now, zone)})",
                               code=kind.not_future)
    latest = now + FURTHEST_AHEAD
    if at > latest:
        raise WorkOrderRefused(f"{said}: more than {FURTHEST_AHEAD.days} days ahead, after "
                               f"{operator_instant(latest, zone)} (it is {operator_instant(now, zone)}): a year "
                               f"typed wrong?", code=kind.too_far)
    return at
