"""The figures QueryStatistics and ``onepoint stats`` show, computed from the window's counter sums (pure).

``CounterSum`` rows are the window's counter rows summed over its periods, per grain, area and measure (``grains``,
``queries``); every figure is a sum or a ratio of them: hot spots (complaints per category prefix of the asked
level and area, top N), complaints per SP, the shares of first-contact resolution and repeat complaints (of the
complaints) and of invalid dispatches (of the dispatches), the return visits' satisfaction rate (``shares``) and
their share made within the return-visit limit (of the visits judged in time or late: those counted before the
measure existed are neither until ``onepoint stats rebuild``), the
figures per department and per group customer (``departments``). SLA compliance per tier and per department adds
what no counter can hold, the open complaints whose reply limit has passed by the time of the read
(``queries.overdue_replies``): replied in time, of the replies and of those (``sla_compliance``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from hub.workflow.statistics.departments import DepartmentFigures, GroupFigures, department_figures, group_figures
from hub.workflow.statistics.grains import ALL
from hub.workflow.statistics.measures import Measure
from hub.workflow.statistics.shares import satisfaction, share, sla_compliance

__all__ = ["EARLIEST_DAY", "LATEST_DAY", "MAX_WINDOW_DAYS", "BadWindow", "CounterSum", "DepartmentFigures",
           "Figures", "GroupFigures", "HotSpot", "OutageFigures", "SpFigures", "StatisticsQuery", "TierSla", "Totals",
           "category_prefix", "check_window", "compute_figures", "satisfaction", "share", "sla_compliance"]

M = Measure
LEVEL_LENGTH = {1: 2, 2: 5, 3: 8, 4: 12}  # 01 · 01.02 · 01.02.03 · 01.02.03.004


# The days a window may cover: its day, week and month keys and the instants of its days (in any time zone) stay
# within the calendar's range, and the read stays a few dozen counter keys (``grains.window_periods``).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9998, 12, 31)
MAX_WINDOW_DAYS = 3660  # about 10 years


class BadWindow(ValueError):
    """A window of days the statistics cannot read (QueryStatistics answers ``c:Error`` code ``bad-window``)."""


def check_window(first: date, last: date) -> None:
    """Refuse a window that ends before it begins, reaches outside ``EARLIEST_DAY``…``LATEST_DAY`` or spans more
    than ``MAX_WINDOW_DAYS``; the message names the limit."""
    if last < first:
        raise BadWindow(f"the window ends ({last}) before it begins ({first})")
    if first < EARLIEST_DAY or last > LATEST_DAY:
        raise BadWindow(f"the window {first} … {last} reaches outside the days the statistics read: "
                        f"{EARLIEST_DAY} … {LATEST_DAY}")
    days = (last - first).days + 1
    if days > MAX_WINDOW_DAYS:
        raise BadWindow(f"the window {first} … {last} spans {days} days; at most {MAX_WINDOW_DAYS} (about 10 years)")


@dataclass(frozen=True, slots=True)
class StatisticsQuery:
    """A window of whole local days (``check_window``: refused with ``BadWindow`` when it cannot be read)."""

    first_day: date
    last_day: date  # inclusive
    area_code: str | None = None
    level: int = 3
    top: int = 10
    department: str | None = None  # only this department's figures (``Figures.departments``)

    def __post_init__(self) -> None:
        check_window(self.first_day, self.last_day)


@dataclass(frozen=True, slots=True)
class CounterSum:
    category_code: str
    area_code: str
    tier: str
    sp_code: str
    measure: str
    count: int
    department: str = ALL
    group_id: str = ALL


@dataclass(frozen=True, slots=True)
class Totals:
    complaints: int = 0
    repeat_complaints: int = 0
    dispatched: int = 0
    invalid_dispatches: int = 0
    dispatches_refused: int = 0  # by the hub, for missing template fields (never sent)
    auto_answered: int = 0
    first_contact_resolved: int = 0
    replied: int = 0
    replied_in_sla: int = 0
    replied_late: int = 0
    overdue: int = 0  # open complaints past their reply limit, not replied yet (as of the read)
    cancelled_overdue: int = 0  # complaints cancelled unreplied after their reply limit: breached
    return_visited: int = 0
    closed: int = 0
    cancelled: int = 0
    escalated: int = 0  # a department's ESCALATE and each escalation on a breach
    incidents: int = 0
    reminded: int = 0  # each Remind: a customer's call-back the agent passed to the owner (hub.workflow.reminders)
    satisfied: int = 0  # the return visits' satisfaction (the Callback's wo:Satisfaction)
    basically_satisfied: int = 0
    dissatisfied: int = 0
    not_reached: int = 0
    return_visited_in_time: int = 0  # of the return visits, made within their limit (as replies in SLA)
    return_visited_late: int = 0  # made after it had run out (breached, escalated already)
    # calls of a return visit that did not reach the customer before its last attempt (no visit yet: the state
    # stayed; [workflow] return_visit_attempts)
    visit_attempts_not_reached: int = 0


@dataclass(frozen=True, slots=True)
class HotSpot:
    category: str
    area_code: str
    complaints: int
    share: float


@dataclass(frozen=True, slots=True)
class SpFigures:
    sp_code: str
    complaints: int
    share: float


@dataclass(frozen=True, slots=True)
class TierSla:
    """A tier's reply limits: kept (replied in time) of all that ran out (replied, overdue and not replied, or
    cancelled unreplied after the limit)."""

    tier: str  # "" when the tier was not known
    replied: int
    in_sla: int
    late: int
    compliance: float | None  # in_sla / (in_sla + late + overdue + cancelled_overdue)
    overdue: int = 0  # open complaints past their reply limit, not replied yet: breached already
    cancelled_overdue: int = 0  # cancelled unreplied after their reply limit: breached
    visited_in_time: int = 0  # return visits made within their limit
    visited_late: int = 0  # return visits made after it


@dataclass(frozen=True, slots=True)
class OutageFigures:
    notice_id: str
    title: str
    start_at: datetime
    status: str
    linked: int
    auto_answered: int
    dispatched: int


@dataclass(frozen=True, slots=True)
class Figures:
    query: StatisticsQuery
    totals: Totals
    first_contact_resolution: float | None
    invalid_dispatch: float | None
    repeat_complaint: float | None
    sla_compliance: float | None
    satisfaction: float | None = None  # of the customers a return visit reached: ``satisfaction``
    hot_spots: list[HotSpot] = field(default_factory=list)
    service_providers: list[SpFigures] = field(default_factory=list)
    tiers: list[TierSla] = field(default_factory=list)
    outages: list[OutageFigures] = field(default_factory=list)
    departments: list[DepartmentFigures] = field(default_factory=list)  # most replies first
    groups: list[GroupFigures] = field(default_factory=list)  # the top N, most complaints first
    return_visit_in_time: float | None = None  # return visits made within their limit, of the visits judged

    def as_json(self) -> dict[str, Any]:
        """The figures as JSON-ready values (dates and instants in ISO 8601)."""
        def plain(value: Any) -> Any:
            if isinstance(value, date | datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value
        return {str(k): plain(v) for k, v in asdict(self).items()}


def category_prefix(code: str, level: int) -> str:
    return code[:LEVEL_LENGTH[level]]


def compute_figures(query: StatisticsQuery, sums: Iterable[CounterSum], outages: Iterable[OutageFigures] = (),
                    overdue: Mapping[str, int] | None = None,
                    overdue_by_department: Mapping[str, int] | None = None) -> Figures:
    """``overdue``: per tier, the window's open complaints past their reply limit (``queries.overdue_replies``);
    ``overdue_by_department``: the same per owner."""
    overdue = overdue or {}
    held = {d: n for d, n in (overdue_by_department or {}).items() if query.department in (None, d)}
    by_measure: Counter[str] = Counter()
    spots: Counter[tuple[str, str]] = Counter()
    providers: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    replied_by_tier: dict[str, Counter[str]] = {tier: Counter() for tier in overdue}
    by_department: dict[str, Counter[str]] = {}
    for s in sums:  # each row is one grain (``grains``): the dimension it keeps is the one not ``*``
        if s.department != ALL:
            if query.department in (None, s.department):
                by_department.setdefault(s.department, Counter())[s.measure] += s.count
        elif s.group_id != ALL:
            groups[s.group_id] += s.count
        elif s.category_code != ALL:
            spots[(category_prefix(s.category_code, query.level), s.area_code)] += s.count
        elif s.sp_code != ALL:
            providers[s.sp_code] += s.count
        elif s.tier != ALL:
            replied_by_tier.setdefault(s.tier, Counter())[s.measure] += s.count
        else:
            by_measure[s.measure] += s.count
    complaints = by_measure[M.CREATED]
    totals = Totals(
        complaints=complaints, repeat_complaints=by_measure[M.REPEAT], dispatched=by_measure[M.DISPATCHED],
        invalid_dispatches=by_measure[M.INVALID_DISPATCH], dispatches_refused=by_measure[M.DISPATCH_REFUSED],
        auto_answered=by_measure[M.AUTO_ANSWERED],
        first_contact_resolved=by_measure[M.FIRST_CONTACT_RESOLVED], replied=by_measure[M.REPLIED],
        replied_in_sla=by_measure[M.REPLIED_IN_SLA], replied_late=by_measure[M.REPLIED_LATE],
        overdue=sum(overdue.values()), cancelled_overdue=by_measure[M.CANCELLED_OVERDUE],
        return_visited=by_measure[M.RETURN_VISITED], return_visited_in_time=by_measure[M.RETURN_VISITED_IN_TIME],
        return_visited_late=by_measure[M.RETURN_VISITED_LATE], closed=by_measure[M.CLOSED],
        cancelled=by_measure[M.CANCELLED],
        escalated=by_measure[M.ESCALATED], incidents=by_measure[M.INCIDENT_PREFIX + M.CREATED],
        reminded=by_measure[M.REMINDED], satisfied=by_measure[M.SATISFIED],
        basically_satisfied=by_measure[M.BASICALLY_SATISFIED], dissatisfied=by_measure[M.DISSATISFIED],
        not_reached=by_measure[M.NOT_REACHED],
        visit_attempts_not_reached=by_measure[M.RETURN_VISIT_ATTEMPT_NOT_REACHED])
    hot = sorted(spots.items(), key=lambda item: (-item[1], item[0]))[:query.top]
    sp_total = sum(providers.values())
    tiers = []
    for tier, counts in sorted(replied_by_tier.items()):
        in_sla, late, open_late = counts[M.REPLIED_IN_SLA], counts[M.REPLIED_LATE], overdue.get(tier, 0)
        dropped = counts[M.CANCELLED_OVERDUE]
        tiers.append(TierSla(tier, in_sla + late, in_sla, late, sla_compliance(in_sla, late, open_late, dropped),
                             open_late, dropped, counts[M.RETURN_VISITED_IN_TIME], counts[M.RETURN_VISITED_LATE]))
    return Figures(
        query=query, totals=totals,
        first_contact_resolution=share(totals.first_contact_resolved, complaints),
        invalid_dispatch=share(totals.invalid_dispatches, totals.dispatched),
        repeat_complaint=share(totals.repeat_complaints, complaints),
        sla_compliance=sla_compliance(totals.replied_in_sla, totals.replied_late, totals.overdue,
                                      totals.cancelled_overdue),
        satisfaction=satisfaction(totals.satisfied, totals.basically_satisfied, totals.dissatisfied),
        return_visit_in_time=share(totals.return_visited_in_time,
                                   totals.return_visited_in_time + totals.return_visited_late),
        hot_spots=[HotSpot(category, area, n, share(n, complaints) or 0.0) for (category, area), n in hot],
        service_providers=[SpFigures(sp, n, share(n, sp_total) or 0.0)
                           for sp, n in sorted(providers.items(), key=lambda item: (-item[1], item[0]))[:query.top]],
        tiers=tiers, outages=sorted(outages, key=lambda o: (o.start_at, o.notice_id)),
        departments=department_figures(by_department, held),
        groups=group_figures(groups, complaints, query.top))
