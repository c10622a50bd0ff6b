"""calendars.toml: the packaged seed, the department map, and a loader that names every problem at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hub.config.workflow import WorkflowSettings
from hub.workflow.calendars import load_calendars
from hub.workflow.datafile import DataFileError
from hub.workflow.taxonomy import load_taxonomy

pytestmark = pytest.mark.unit

GOOD = """
default_calendar = "office"

[holiday_sets.cn]
holidays = [2026-10-01, 2026-10-02]
extra_working_days = [2026-10-10]

[calendars.hotline]
always_open = true

[calendars.office]
holiday_set = "cn"
[calendars.office.hours]
mon = ["09:00-12:00", "13:00-18:00"]
fri = ["09:00-12:00"]

[departments]
CUSTOMER_SERVICE = "hotline"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendars.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_seed() -> None:
    calendars = load_calendars()
    assert calendars.for_department("CUSTOMER_SERVICE").always_open
    assert calendars.for_department("NETWORK_OPS").name == "network_ops"
    assert calendars.for_department("SOMEBODY_NEW").name == calendars.default_calendar == "office"
    network = calendars.get("network_ops")
    # 2026 as published: nine days of Spring Festival, Saturdays 14 and 28 Feb worked; National Day 1-7 Oct.
    assert {date(2026, 2, day) for day in range(15, 24)} <= network.holidays
    assert {date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)} <= network.extra_working_days
    assert all(day.weekday() >= 5 for day in network.extra_working_days)  # make-up days are weekend days
    assert {day.year for day in network.holidays} == {2026, 2027}
    assert calendars.get("office").holidays == network.holidays
    assert not calendars.get("business_hall").holidays


def test_every_department_a_work_order_can_belong_to_has_its_calendar_in_the_seed() -> None:
    """A dispatch makes the template's target the owner: a target missing from [departments] would have its
    deadlines counted on the default calendar (office hours) instead of its own, silently."""
    calendars, taxonomy = load_calendars(), load_taxonomy()
    owners = {WorkflowSettings().intake_department, *taxonomy.targets}
    assert sorted(owners - set(calendars.departments)) == []
    assert calendars.for_department("NMC").name == "network_ops"  # NSP's desk, as the file says
    assert {template.target.code for template in taxonomy.templates.values()} <= set(calendars.departments)


def test_a_good_file(tmp_path: Path) -> None:
    calendars = load_calendars(write(tmp_path, GOOD))
    office = calendars.get("office")
    assert office.hours_on(date(2026, 10, 10)) == ((540, 720), (780, 1080))  # a Saturday with Monday's hours
    assert office.hours_on(date(2026, 10, 2)) == ()
    assert office.hours_on(date(2026, 10, 9)) == ((540, 720),)
    assert office.zone.key == "Asia/Shanghai"
    assert calendars.version != load_calendars().version


def test_every_problem_is_named_in_one_error(tmp_path: Path) -> None:
    text = """
default_calendar = "nowhere"
colour = "red"

[holiday_sets.cn]
holidays = [2026-10-01, "2026-02-30", 2026-10-10]
extra_working_days = [2026-10-10]

[calendars.hotline]
always_open = true
hours.mon = ["09:00-17:00"]

[calendars.office]
time_zone = "Asia/Atlantis"
holiday_set = "cn"
extra_day_hours = "someday"
[calendars.office.hours]
mon = ["09:00-12:00", "11:00-18:00"]
tue = ["8-12"]
funday = ["09:00-10:00"]

[calendars.night]
holiday_set = "elsewhere"
extra_working_days = [2026-03-07]
[calendars.night.hours]
sat = ["22:00-24:00"]

[calendars.closed]
hours = {}

[departments]
NETWORK_OPS = "network"
"""
    path = write(tmp_path, text)
    with pytest.raises(DataFileError) as caught:
        load_calendars(path)
    problems = caught.value.problems
    keys = {key for key, _ in problems}
    assert keys == {
        "default_calendar",
        "colour",
        "holiday_sets.cn.holidays",  # 30 February
        "calendars.hotline",  # always open with hours
        "calendars.office.time_zone",
        "calendars.office.extra_day_hours",
        "calendars.office.hours.mon",  # overlap
        "calendars.office.hours.tue",  # not HH:MM
        "calendars.office.hours.funday",
        "calendars.office",  # 10 Oct both holiday and working day
        "calendars.night.holiday_set",
        "calendars.night",  # a make-up Saturday where Saturday already works
        "calendars.closed.hours",
        "departments.NETWORK_OPS",
    }
    message = str(caught.value)
    assert str(path) in message
    for text_part in ("'2026-02-30' is not a date", "unknown time zone 'Asia/Atlantis'", "overlap",
                      "unknown holiday set 'elsewhere'", "unknown calendar 'network'", "unknown calendar 'nowhere'",
                      "both a holiday and an extra working day", "2026-03-07 is a sat",
                      "no working hours on any weekday",
                      "an always-open calendar has no hours"):
        assert text_part in message


def test_a_make_up_day_that_already_works_is_refused(tmp_path: Path) -> None:
    """A calendar's own make-up day on a day it works anyway is a mistake in that calendar (a shared set's is not:
    test_calendar_make_up_days.py)."""
    text = GOOD.replace('holiday_set = "cn"\n', 'holiday_set = "cn"\nextra_working_days = [2026-10-12]\n')  # a Monday
    with pytest.raises(DataFileError, match="extra working day 2026-10-12 is a mon, already a working day"):
        load_calendars(write(tmp_path, text))


def test_dates_may_be_strings(tmp_path: Path) -> None:
    text = GOOD.replace("holidays = [2026-10-01, 2026-10-02]", 'holidays = ["2026-10-01", 2026-10-02]')
    assert date(2026, 10, 1) in load_calendars(write(tmp_path, text)).get("office").holidays


def test_a_missing_default_calendar(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="default_calendar: missing"):
        load_calendars(write(tmp_path, GOOD.replace('default_calendar = "office"', "")))
