"""Which counter rows a counted measure goes to, and which rows a window reads: the counters are kept *rolled up*,
so a read costs the combinations the figures show, never the work orders.

A row of ``work_order_counters`` is one *grain* over one *period*. The period (column ``day``) is a local day
``2026-11-23``, an ISO week ``2026-W48`` or a month ``2026-11``; every count goes to all three. The grain is the
dimensions the row keeps, the others being ``*`` (the key: period, category, area, tier, channel, sp, department,
group, measure):

* total — ``(period, *, area, *, *, *, *, *, measure)``: every measure (the totals and shares, by area);
* hot spot — ``(period, category, area, *, *, *, *, *, created)``: complaints per full category code and area (a
  hot spot's level is a prefix of the code, taken when reading);
* SP — ``(period, *, area, *, *, sp, *, *, created)``: complaints about an SP;
* tier — ``(period, *, area, tier, *, *, *, *, replied_in_sla | replied_late | cancelled_overdue |
  return_visited_in_time | return_visited_late)``: SLA compliance and the return visits in time per tier;
* department — ``(period, *, area, *, *, *, department, *, measure)`` for the ``DEPARTMENT_MEASURES`` of a
  complaint: the department that owned the work order right after the counted event (the row's ``owner`` as the
  observer sees it): the department dispatched to, the intake desk a dispatch was marked invalid against (a
  REJECT_DISPATCH gives it back to the desk that sent it: the downstream rates the upstream), the department that
  replied, handed up to, was hurried (Remind) or held it at the return visit;
* group — ``(period, *, area, *, *, *, *, group, created)``: complaints of a group customer's members
  (``group_id``; counted when the group is known, at creation or when BOSS names it late: ``group_counts``).

A window reads the months it covers whole, then the whole weeks of the rest, then its other days
(``window_periods``): a year is 12 month keys, any 30 days at most 12 keys (9 days). The detail per day and every
dimension, which at a province's volume has about as many combinations as complaints, is never kept (see
bench/README.md, ``stats.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta, tzinfo
from typing import Any

from hub.workflow.statistics.measures import CounterKey, Measure

__all__ = ["ALL", "DEPARTMENT_MEASURES", "counter_keys", "group_keys", "week_of", "window_periods"]

ALL = "*"  # a dimension the row does not keep
_TIER_MEASURES = frozenset({Measure.REPLIED_IN_SLA, Measure.REPLIED_LATE, Measure.CANCELLED_OVERDUE,
                            Measure.RETURN_VISITED_IN_TIME, Measure.RETURN_VISITED_LATE})
# a complaint's measures kept per department (the assessment of each step): incidents' are not; a return visit's
# in time / late neither: the hotline owes every visit (its escalation is the intake desk's), so the totals and the
# tiers say it, not the department that happened to hold the work order at the visit
DEPARTMENT_MEASURES = frozenset({
    Measure.DISPATCHED, Measure.INVALID_DISPATCH, Measure.DISPATCH_REFUSED, Measure.FIRST_CONTACT_RESOLVED,
    Measure.REPLIED, Measure.REPLIED_IN_SLA, Measure.REPLIED_LATE, Measure.ESCALATED, Measure.REMINDED,
    Measure.RETURN_VISITED, Measure.SATISFIED,
    Measure.BASICALLY_SATISFIED, Measure.DISSATISFIED, Measure.NOT_REACHED})
Grain = tuple[str, str, str, str, str, str]  # category, tier, channel, sp, department, group


def _keys(row: Mapping[str, Any], zone: tzinfo, measure: str, grains: list[Grain]) -> list[CounterKey]:
    day = row["created_at"].astimezone(zone).date()
    area = str(row.get("area_code") or "")
    return [(period, category, area, tier, channel, sp, department, group, measure)
            for period in (day.isoformat(), week_of(day), day.isoformat()[:7])
            for category, tier, channel, sp, department, group in grains]


def counter_keys(row: Mapping[str, Any], zone: tzinfo, measure: str) -> list[CounterKey]:
    """The counter rows a work order's ``measure`` adds 1 to (its creation day and month, each grain it feeds)."""
    grains: list[Grain] = [(ALL, ALL, ALL, ALL, ALL, ALL)]
    if measure == Measure.CREATED:
        grains.append((str(row["category_code"]), ALL, ALL, ALL, ALL, ALL))
        if row.get("sp_code"):
            grains.append((ALL, ALL, ALL, str(row["sp_code"]), ALL, ALL))
        if row.get("group_id"):
            grains.append((ALL, ALL, ALL, ALL, ALL, str(row["group_id"])))
    elif measure in _TIER_MEASURES:
        grains.append((ALL, str(row.get("tier") or ""), ALL, ALL, ALL, ALL))
    if measure in DEPARTMENT_MEASURES:
        grains.append((ALL, ALL, ALL, ALL, str(row.get("owner") or ""), ALL))
    return _keys(row, zone, measure, grains)


def group_keys(row: Mapping[str, Any], zone: tzinfo) -> list[CounterKey]:
    """The group grain's rows of a complaint whose group BOSS named after its creation (``tier_recheck``): its
    creation counted then under no group."""
    if not row.get("group_id") or row.get("ticket_type") == "INCIDENT":
        return []
    return _keys(row, zone, Measure.CREATED, [(ALL, ALL, ALL, ALL, ALL, str(row["group_id"]))])


def week_of(day: date) -> str:
    """The ISO week's key (Monday to Sunday): ``2026-W48``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def window_periods(first: date, last: date) -> list[str]:
    """The period keys that cover ``first``…``last`` (inclusive) exactly: whole months as months, whole weeks of
    the rest as weeks, the other days as days (any 30 days: at most 12 day keys)."""
    periods: list[str] = []
    run_start: date | None = None  # the days not in a whole month, gathered into runs
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        if first <= month and following - timedelta(days=1) <= last:
            if run_start is not None:
                periods += _weeks_and_days(run_start, month - timedelta(days=1))
                run_start = None
            periods.append(month.isoformat()[:7])
        elif run_start is None:
            run_start = max(first, month)
        month = following
    if run_start is not None:
        periods += _weeks_and_days(run_start, last)
    return periods


def _weeks_and_days(first: date, last: date) -> list[str]:
    periods: list[str] = []
    day = first
    while day <= last:
        if day.weekday() == 0 and day + timedelta(days=6) <= last:
            periods.append(week_of(day))
            day += timedelta(days=7)
        else:
            periods.append(day.isoformat())
            day += timedelta(days=1)
    return periods
