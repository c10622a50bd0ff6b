"""A calendar that works some Saturdays or Sundays keeps the shared holiday set: the set's make-up days on a day
it works anyway are ordinary working days with that day's hours, its holidays close it."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from hub.workflow.calendars import parse_calendars
from hub.workflow.datafile import DataFileError, packaged

pytestmark = pytest.mark.unit

SIX_DAYS = {day: ["09:00-12:00", "13:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": ["09:00-12:00"]}


def seed_with(name: str, calendar: dict[str, object]) -> dict[str, object]:
    document = tomllib.loads(packaged("calendars.toml").read_text(encoding="utf-8"))
    document["calendars"][name] = calendar
    return document


def test_a_monday_to_saturday_desk_keeps_the_national_holidays() -> None:
    calendars = parse_calendars(seed_with("six_day_desk", {"time_zone": "Asia/Shanghai", "holiday_set": "cn_mainland",
                                                           "hours": SIX_DAYS}), "v")
    desk = calendars.get("six_day_desk")
    assert desk.hours_on(dt.date(2026, 2, 17)) == ()  # Spring Festival: closed
    assert desk.hours_on(dt.date(2026, 2, 14)) == ((540, 720),)  # a make-up Saturday: its own Saturday hours
    assert desk.hours_on(dt.date(2026, 9, 20)) == ((540, 720), (780, 1080))  # a make-up Sunday: Monday's hours
    assert desk.hours_on(dt.date(2026, 3, 7)) == ((540, 720),)  # an ordinary Saturday
    assert desk.hours_on(dt.date(2026, 3, 8)) == ()  # an ordinary Sunday


def test_its_own_make_up_day_on_a_day_it_works_is_still_refused() -> None:
    document = seed_with("six_day_desk", {"holiday_set": "cn_mainland", "hours": SIX_DAYS,
                                          "extra_working_days": ["2026-03-07"]})
    with pytest.raises(DataFileError, match="extra working day 2026-03-07 is a sat, already a working day"):
        parse_calendars(document, "v")
