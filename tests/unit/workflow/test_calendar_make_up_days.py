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


def test_a_shared_make_up_day_typed_on_a_weekday_is_refused_naming_date_weekday_and_set() -> None:
    """2026-05-07 (a Thursday) typed for the make-up Saturday 2026-05-09 was dropped without a word (a weekday works
    anyway) and the real Saturday became a day off; every such entry is named in one error."""
    document = seed_with("six_day_desk", {"holiday_set": "cn_mainland", "hours": SIX_DAYS})
    days = document["holiday_sets"]["cn_mainland"]["extra_working_days"]  # type: ignore[index]
    days[days.index(dt.date(2026, 5, 9))] = dt.date(2026, 5, 7)
    days[days.index(dt.date(2026, 10, 10))] = dt.date(2026, 10, 12)
    with pytest.raises(DataFileError) as refused:
        parse_calendars(document, "v")
    assert refused.value.problems == (
        ("holiday_sets.cn_mainland.extra_working_days",
         "2026-05-07 is a thu: a make-up working day of holiday set 'cn_mainland' is a Saturday or Sunday worked "
         "(Monday to Friday work anyway)"),
        ("holiday_sets.cn_mainland.extra_working_days",
         "2026-10-12 is a mon: a make-up working day of holiday set 'cn_mainland' is a Saturday or Sunday worked "
         "(Monday to Friday work anyway)"))


def test_make_up_days_with_a_weekday_of_no_hours_are_refused() -> None:
    """extra_day_hours = "sat" on a Monday-to-Friday desk closed every make-up day without a word."""
    document = seed_with("weekday_desk", {"holiday_set": "cn_mainland", "extra_day_hours": "sat",
                                          "hours": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu",
                                                                                    "fri")}})
    with pytest.raises(DataFileError) as refused:
        parse_calendars(document, "v")
    assert refused.value.problems == (
        ("calendars.weekday_desk.extra_day_hours",
         "'sat' has no hours: its make-up working days (2026-01-04 …) would be closed days"),)


def test_extra_day_hours_of_no_hours_is_fine_without_make_up_days() -> None:
    calendars = parse_calendars(seed_with("own_desk", {"extra_day_hours": "sat", "hours": {"mon": ["09:00-17:00"]}}),
                                "v")
    assert calendars.get("own_desk").hours_on(dt.date(2026, 5, 9)) == ()
