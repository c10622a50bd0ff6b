"""Which counter rows a counted measure goes to, and which rows a window reads: the counters are kept *rolled up*,
so a read costs the combinations the figures show, never the work orders.

A row of ``work_order_counters`` is one *grain* over one *period*. The period (column ``day``) is a local day
``2026-11-23`` or a month ``2026-11``; every count goes to both. The grain is the dimensions the row keeps, the
others being ``*``:

* total — ``(period, *, area, *, *, *, measure)``: every measure (the totals and shares, by area);
* hot spot — ``(period, category, area, *, *, *, created)``: complaints per full category code and area (a hot
  spot's level is a prefix of the code, taken when reading);
* SP — ``(period, *, area, *, *, sp, created)``: complaints about an SP;
* tier — ``(period, *, area, tier, *, *, replied_in_sla | replied_late)``: SLA compliance per tier.

A window reads the months it covers whole and the days of the months it covers in part (``window_periods``):
a year is 12 month keys; the detail per day, which at a province's volume has about as many combinations as
complaints, is never kept (see bench/README.md, ``stats.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta, tzinfo
from typing import Any

from hub.workflow.statistics.measures import CounterKey, Measure

__all__ = ["ALL", "counter_keys", "window_periods"]

ALL = "*"  # a dimension the row does not keep
_TIER_MEASURES = frozenset({Measure.REPLIED_IN_SLA, Measure.REPLIED_LATE})


def counter_keys(row: Mapping[str, Any], zone: tzinfo, measure: str) -> list[CounterKey]:
    """The counter rows a work order's ``measure`` adds 1 to (its creation day and month, each grain it feeds)."""
    day = row["created_at"].astimezone(zone).date()
    area = str(row.get("area_code") or "")
    grains: list[tuple[str, str, str, str]] = [(ALL, ALL, ALL, ALL)]  # category, tier, channel, sp
    if measure == Measure.CREATED:
        grains.append((str(row["category_code"]), ALL, ALL, ALL))
        if row.get("sp_code"):
            grains.append((ALL, ALL, ALL, str(row["sp_code"])))
    elif measure in _TIER_MEASURES:
        grains.append((ALL, str(row.get("tier") or ""), ALL, ALL))
    keys = []
    for period in (day.isoformat(), day.isoformat()[:7]):
        for category, tier, channel, sp in grains:
            keys.append((period, category, area, tier, channel, sp, measure))
    return keys


def window_periods(first: date, last: date) -> list[str]:
    """The period keys that cover ``first``…``last`` (inclusive) exactly: whole months as months, the rest as days."""
    periods: list[str] = []
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        if first <= month and following - timedelta(days=1) <= last:
            periods.append(month.isoformat()[:7])
        else:
            day = max(first, month)
            while day < following and day <= last:
                periods.append(day.isoformat())
                day += timedelta(days=1)
        month = following
    return periods
