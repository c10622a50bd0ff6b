"""The statistics' reads: the window's counters summed in one statement, the outage notices of the window, the
window's open complaints past their reply limit, and ``read_figures`` combining them (``figures.compute_figures``).

The counters' primary key begins with the period, so the window is a few ranges of it (``grains.window_periods``):
the read costs the rolled-up rows of the window's months and days, never the work orders of the store. The
overdue complaints depend on the time of the read, so no counter holds them: they are read from the open work
orders through the state index (``ix_work_orders_state_id``: the open ones, not the store's closed millions).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.statistics.figures import CounterSum, Figures, OutageFigures, StatisticsQuery, compute_figures
from hub.workflow.statistics.grains import ALL, window_periods
from hub.workflow.statistics.group_names import named
from hub.workflow.statistics.outage_areas import area_counts
from hub.workflow.store.overdue import AWAITING_REPLY_STATES, overdue_reply
from hub.workflow.store.schema import outage_notices, work_order_counters, work_orders

__all__ = ["AWAITING_REPLY", "counter_sums", "day_range", "outages_in", "overdue_replies", "read_figures"]

_c = work_order_counters.c
_o = outage_notices.c
_w = work_orders.c
S = WorkOrderState
# Taken and not answered yet: the reply limit runs (PENDING and SUSPENDED hold it: their reply_due is the limit
# reached before the pause, or none). AUTO_ANSWERED is off the clock while linked to its outage notice (one a
# revision unlinked is back on its reply limit: docs/outages.md), CANCELLED never needs a reply. The rule is the
# store's (``store.overdue``), which QueryWorkOrders' Overdue lists by.
AWAITING_REPLY = tuple(S(state) for state in AWAITING_REPLY_STATES)


def day_range(first: date, last: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The instants the local days ``first``…``last`` (inclusive) span: ``[start, end)``."""
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return start, end


def counter_sums(connection: Connection, query: StatisticsQuery) -> Iterator[CounterSum]:
    """The window's counter rows (its whole months and the other days) summed per grain, area and measure."""
    total = func.sum(_c.count)
    where: list[ColumnElement[bool]] = [_c.day.in_(window_periods(query.first_day, query.last_day))]
    if query.area_code:
        where.append(_c.area_code == query.area_code)
    if query.department:
        where.append(or_(_c.department == ALL, _c.department == query.department))
    dimensions = (_c.category_code, _c.area_code, _c.tier, _c.sp_code, _c.measure, _c.department, _c.group_id)
    statement = select(*dimensions, total).where(and_(*where)).group_by(*dimensions)
    for category, area, tier, sp, measure, department, group, count in connection.execute(statement):
        yield CounterSum(category, area, tier, sp, measure, int(count), department, group)


def outages_in(connection: Connection, query: StatisticsQuery, zone: tzinfo) -> list[OutageFigures]:
    """The outage notices active at some time in the window (started before its end, not cleared before its
    start), with the counts the outage rule keeps on them (the notice's lifetime, every area it covers); when an
    area is asked, the notices covering it, with the counts of that area's complaints (``outage_areas``)."""
    start, end = day_range(query.first_day, query.last_day, zone)
    statement = select(_o.notice_id, _o.title, _o.start_at, _o.status, _o.areas, _o.linked_count,
                       _o.auto_answered_count, _o.dispatch_count).where(
        _o.start_at < end, or_(_o.cleared_at.is_(None), _o.cleared_at >= start))
    rows = [row for row in connection.execute(statement).mappings()
            if not query.area_code or query.area_code in _area_codes(row["areas"])]
    if query.area_code:
        counts = area_counts(connection, [str(row["notice_id"]) for row in rows], query.area_code)
    else:
        counts = {str(row["notice_id"]): (int(row["linked_count"]), int(row["auto_answered_count"]),
                                          int(row["dispatch_count"])) for row in rows}
    return [OutageFigures(row["notice_id"], row["title"], row["start_at"], row["status"],
                          *counts[str(row["notice_id"])]) for row in rows]


def overdue_replies(connection: Connection, query: StatisticsQuery, zone: tzinfo, now: datetime, *,
                    per: str = "tier") -> dict[str, int]:
    """Per tier ("" unknown), or per ``owner`` (the department holding it), the window's complaints still awaiting
    their reply whose reply limit (``reply_due``, the paused time credited) passed before ``now``
    (``store.overdue.overdue_reply``: QueryWorkOrders' Overdue lists the same)."""
    start, end = day_range(query.first_day, query.last_day, zone)
    where: list[ColumnElement[bool]] = [overdue_reply(now), _w.created_at >= start, _w.created_at < end]
    if query.area_code:
        where.append(_w.area_code == query.area_code)
    column = _w.owner if per == "owner" else _w.tier
    statement = select(column, func.count()).where(and_(*where)).group_by(column)
    return {str(value or ""): int(n) for value, n in connection.execute(statement)}


def _area_codes(areas: str) -> set[str]:
    try:
        parsed = json.loads(areas)
    except ValueError:
        return set()
    return {str(a.get("code")) for a in parsed if isinstance(a, dict)} if isinstance(parsed, list) else set()


def read_figures(connection: Connection, query: StatisticsQuery, zone: tzinfo, *,
                 now: datetime | None = None) -> Figures:
    """The window's figures as of ``now`` (default: the wall clock; the workflow passes its own clock's).

    Four reads — the overdue complaints from the work orders (per tier, per owner), the counters, the outages —
    and the shown groups' names (``group_names``),
    that agree only when
    ``connection`` sees one moment in all of them (``WorkOrderStore.snapshot``): else a complaint replied between
    the first two counts as overdue and as replied late, or as neither."""
    moment = now or datetime.now(UTC)
    overdue = overdue_replies(connection, query, zone, moment)
    held = overdue_replies(connection, query, zone, moment, per="owner")
    figures = compute_figures(query, counter_sums(connection, query), outages_in(connection, query, zone), overdue,
                              held)
    return replace(figures, groups=named(connection, figures.groups))  # the counters keep the group's number only
