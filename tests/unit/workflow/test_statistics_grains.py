"""The counters' periods and grains (pure): which rows a count goes to, which rows a window reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.workflow.statistics.figures import CounterSum, StatisticsQuery, compute_figures
from hub.workflow.statistics.grains import counter_keys, window_periods

pytestmark = pytest.mark.unit

SHENZHEN = ZoneInfo("Asia/Shanghai")
ROW = {"created_at": datetime(2026, 11, 30, 17, 0, tzinfo=UTC), "category_code": "01.02.03.004",
       "area_code": "0755", "tier": "VIP_GOLD", "channel": "HOTLINE", "sp_code": "801234"}


def test_a_count_goes_to_the_local_creation_day_its_week_and_month_in_each_grain() -> None:
    keys = counter_keys(ROW, SHENZHEN, "created")  # 17:00 UTC on the 30th is 01:00 on December 1st in Shenzhen
    assert keys == [(period, *grain, "created") for period in ("2026-12-01", "2026-W49", "2026-12")
                    for grain in (("*", "0755", "*", "*", "*", "*", "*"),
                                  ("01.02.03.004", "0755", "*", "*", "*", "*", "*"),
                                  ("*", "0755", "*", "*", "801234", "*", "*"))]
    assert [k[3] for k in counter_keys(ROW, SHENZHEN, "replied_late")][:2] == ["*", "VIP_GOLD"]
    assert len(counter_keys(ROW, SHENZHEN, "repeat")) == 3  # the total grain only


def test_the_department_grain_keeps_the_owner_at_the_event_and_the_group_grain_the_group() -> None:
    row = {**ROW, "owner": "NETWORK_OPS", "group_id": "4403001288"}
    dispatched = counter_keys(row, SHENZHEN, "dispatched")
    assert [(k[0], k[6], k[7]) for k in dispatched] == [
        (period, department, "*") for period in ("2026-12-01", "2026-W49", "2026-12")
        for department in ("*", "NETWORK_OPS")]
    assert ("2026-12", "*", "0755", "*", "*", "*", "*", "4403001288", "created") in counter_keys(
        row, SHENZHEN, "created")
    assert all(k[6] == "*" for k in counter_keys(row, SHENZHEN, "created"))  # a creation rates no department
    assert all(k[7] == "*" for k in counter_keys(row, SHENZHEN, "replied"))  # the group: complaints only
    assert ("2026-12", "*", "0755", "*", "*", "*", "NETWORK_OPS", "*", "satisfied") in counter_keys(
        row, SHENZHEN, "satisfied")
    assert len(counter_keys(row, SHENZHEN, "incident_dispatched")) == 3  # an incident's: the total grain only


@pytest.mark.parametrize(("first", "last", "periods"), [
    (date(2026, 11, 1), date(2026, 11, 30), ["2026-11"]),
    (date(2026, 10, 30), date(2026, 12, 1), ["2026-10-30", "2026-10-31", "2026-11", "2026-12-01"]),
    (date(2026, 10, 17), date(2026, 11, 15), ["2026-10-17", "2026-10-18", "2026-W43", "2026-W44", "2026-W45",
                                              "2026-W46"]),  # a week across the month boundary, kept whole
    (date(2026, 11, 18), date(2026, 12, 6), ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22",
                                             "2026-W48", "2026-W49"]),
    (date(2026, 11, 23), date(2026, 11, 23), ["2026-11-23"]),
    (date(2028, 2, 28), date(2028, 3, 31), ["2028-02-28", "2028-02-29", "2028-03"]),
    (date(2025, 12, 1), date(2026, 2, 28), ["2025-12", "2026-01", "2026-02"]),
])
def test_a_window_reads_its_whole_months_then_whole_weeks_then_days(first: date, last: date,
                                                                    periods: list[str]) -> None:
    assert window_periods(first, last) == periods


def test_figures_from_the_grains() -> None:
    query = StatisticsQuery(date(2026, 11, 1), date(2026, 11, 30), level=2, top=1)
    total = [("created", 10), ("repeat", 2), ("dispatched", 4), ("invalid_dispatch", 1)]
    sums = [CounterSum("*", "0755", "*", "*", measure, n) for measure, n in total]
    sums += [CounterSum(code, "0755", "*", "*", "created", n) for code, n in (("01.02.03", 6), ("01.02.01", 1),
                                                                           ("02.01.01", 3))]
    sums += [CounterSum("*", "0755", "*", "801234", "created", 2), CounterSum("*", "0755", "VIP_GOLD", "*",
                                                                             "replied_in_sla", 3),
             CounterSum("*", "0755", "VIP_GOLD", "*", "replied_late", 1)]
    figures = compute_figures(query, sums)
    assert figures.totals.complaints == 10 and figures.repeat_complaint == 0.2 and figures.invalid_dispatch == 0.25
    assert [(s.category, s.complaints, s.share) for s in figures.hot_spots] == [("01.02", 7, 0.7)]  # top 1, level 2
    assert [(p.sp_code, p.share) for p in figures.service_providers] == [("801234", 1.0)]
    assert [(t.tier, t.replied, t.compliance) for t in figures.tiers] == [("VIP_GOLD", 4, 0.75)]
    assert figures.first_contact_resolution == 0.0 and figures.sla_compliance is None  # no total-grain replies


def test_every_window_is_covered_exactly_once() -> None:
    for offset in range(0, 400, 7):
        for length in (1, 6, 7, 13, 30, 31, 45, 92):
            first = date(2025, 12, 1) + timedelta(days=offset)
            last = first + timedelta(days=length - 1)
            covered = [day for key in window_periods(first, last) for day in days_of(key)]
            assert sorted(covered) == [first + timedelta(days=n) for n in range(length)], (first, last)


def days_of(key: str) -> list[date]:
    if len(key) == 10:
        return [date.fromisoformat(key)]
    if "-W" in key:
        year, week = key.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
        return [monday + timedelta(days=n) for n in range(7)]
    day, found = date.fromisoformat(f"{key}-01"), []
    while day.isoformat()[:7] == key:
        found.append(day)
        day += timedelta(days=1)
    return found
