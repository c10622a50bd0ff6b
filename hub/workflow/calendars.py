"""The named business calendars and which department works by which, loaded and checked from ``calendars.toml``.

Holiday sets (e.g. mainland China's statutory holidays with their make-up working days) are defined once and
shared by the calendars that keep them. A calendar that works some Saturdays or Sundays keeps a shared set too:
a make-up day of the set that falls on a day it works anyway stays an ordinary working day with that day's hours
(only a calendar's own ``extra_working_days`` are refused on a day it works). A shared set's make-up day is a
Saturday or Sunday (one typed on a weekday is refused: it would be dropped, and the real one lost), and a calendar
with make-up days must have hours on its ``extra_day_hours`` weekday. Every problem in the file is named in one
`DataFileError`. Loading also checks the years the dates name against the clock's date (``holiday_years``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.workflow.calendar import WEEKDAYS, BusinessCalendar, Interval, format_hours, parse_hours
from hub.workflow.datafile import Problems, packaged, read_toml
from hub.workflow.holiday_years import HolidayYears

__all__ = ["Calendars", "load_calendars", "parse_calendars"]

log = logging.getLogger("onepoint.workflow")

_TOP_KEYS = {"default_calendar", "holiday_sets", "calendars", "departments"}
_CALENDAR_KEYS = {"time_zone", "always_open", "hours", "holiday_set", "holidays", "extra_working_days",
                  "extra_day_hours"}
_SET_KEYS = {"holidays", "extra_working_days"}


@dataclass(frozen=True)
class Calendars:
    """Named calendars, the department → calendar map and the fallback for departments not listed."""

    calendars: Mapping[str, BusinessCalendar]
    departments: Mapping[str, str]
    default_calendar: str
    version: str
    source: str = "<memory>"

    def get(self, name: str) -> BusinessCalendar:
        return self.calendars[name]

    def for_department(self, department: str) -> BusinessCalendar:
        """The calendar ``department`` works by; a department not listed works by the default calendar."""
        return self.calendars[self.departments.get(department, self.default_calendar)]


def load_calendars(path: Path | str | None = None, *, today: dt.date | None = None) -> Calendars:
    """Load and check a calendars file (default: the packaged ``hub/workflow/data/calendars.toml``); its dates'
    years are checked as seen from ``today`` (the clock's date; default the machine's): `HolidayYears`."""
    source = Path(path) if path is not None else packaged("calendars.toml")
    document, version = read_toml(source)
    calendars = parse_calendars(document, version, str(source), today=today or dt.date.today())
    log.info("calendars loaded", extra={"source": str(source), "version": version,
                                        "calendars": sorted(calendars.calendars)})
    return calendars


def parse_calendars(document: Mapping[str, Any], version: str, source: str = "<memory>", *,
                    today: dt.date | None = None) -> Calendars:
    """Check a parsed calendars document; raises `DataFileError` naming every problem. With ``today`` the years
    its dates name are checked too (`HolidayYears`: a date too far ahead refused, a set missing a year warned of)."""
    problems = Problems(source)
    years = HolidayYears(today, source) if today is not None else None
    _unknown(problems, "", document, _TOP_KEYS)
    sets = {name: _holiday_set(problems, f"holiday_sets.{name}", table, years)
            for name, table in _table(problems, "holiday_sets", document.get("holiday_sets", {})).items()}
    for name, (_, shared_extra) in sets.items():
        for day in sorted(day for day in shared_extra if day.weekday() < WEEKDAYS.index("sat")):
            problems.add(f"holiday_sets.{name}.extra_working_days",
                         f"{day} is a {WEEKDAYS[day.weekday()]}: a make-up working day of holiday set {name!r} is a "
                         "Saturday or Sunday worked (Monday to Friday work anyway)")
    calendars: dict[str, BusinessCalendar] = {}
    tables = _table(problems, "calendars", document.get("calendars"))
    for name, table in tables.items():
        calendar = _calendar(problems, name, table, sets, years)
        if calendar is not None:
            calendars[name] = calendar
    declared = set(tables)
    default = document.get("default_calendar")
    if not isinstance(default, str):
        problems.add("default_calendar", "missing: name the calendar of departments not listed")
    elif default not in declared:
        problems.add("default_calendar", f"unknown calendar {default!r}")
    departments: dict[str, str] = {}
    for department, name in _table(problems, "departments", document.get("departments", {})).items():
        if not isinstance(name, str) or name not in declared:
            problems.add(f"departments.{department}", f"unknown calendar {name!r}")
        else:
            departments[department] = name
    problems.raise_if_any()
    if years is not None:
        years.warn(sets)
    return Calendars(MappingProxyType(calendars), MappingProxyType(departments), str(default), version, source)


def _calendar(problems: Problems, name: str, table: Any, sets: Mapping[str, tuple[set[dt.date], set[dt.date]]],
              years: HolidayYears | None) -> BusinessCalendar | None:
    key = f"calendars.{name}"
    if not isinstance(table, dict):
        problems.add(key, "must be a table")
        return None
    before = len(problems.found)
    _unknown(problems, key, table, _CALENDAR_KEYS)
    zone = _zone(problems, f"{key}.time_zone", table.get("time_zone", "Asia/Shanghai"))
    holidays, own_extra = _holiday_set(problems, key, {k: table[k] for k in _SET_KEYS if k in table}, years)
    shared_extra: set[dt.date] = set()
    set_name = table.get("holiday_set")
    if set_name is not None:
        if set_name not in sets:
            problems.add(f"{key}.holiday_set", f"unknown holiday set {set_name!r}")
        else:
            holidays |= sets[set_name][0]
            shared_extra = set(sets[set_name][1])
    extra = own_extra | shared_extra
    week = None
    if table.get("always_open", False) is True:
        if "hours" in table or holidays or extra:
            problems.add(key, "an always-open calendar has no hours, holidays or extra working days")
    else:
        week = _week(problems, f"{key}.hours", table.get("hours"))
    extra_day = table.get("extra_day_hours", "mon")
    if extra_day not in WEEKDAYS:
        problems.add(f"{key}.extra_day_hours", f"{extra_day!r} is not one of {', '.join(WEEKDAYS)}")
        extra_day = "mon"
    for day in sorted(holidays & extra):
        problems.add(key, f"{day} is both a holiday and an extra working day")
    if week is not None:  # a make-up day of a shared set on a day this calendar works anyway keeps its own hours
        for day in sorted(own_extra - holidays):
            if week.get(day.weekday()):
                problems.add(key, f"extra working day {day} is a {WEEKDAYS[day.weekday()]}, already a working day")
        extra -= {day for day in shared_extra - own_extra if week.get(day.weekday())}
        make_up = sorted(day for day in extra - holidays if not week.get(day.weekday()))  # on extra_day_hours
        if make_up and not week.get(WEEKDAYS.index(extra_day)):  # every make-up day would be a closed day
            problems.add(f"{key}.extra_day_hours", f"{extra_day!r} has no hours: its make-up working days "
                                                   f"({make_up[0]}{' …' if len(make_up) > 1 else ''}) would be "
                                                   "closed days")
    if zone is None or len(problems.found) > before:
        return None
    try:
        return BusinessCalendar(name, zone, week, holidays, extra - holidays, WEEKDAYS.index(extra_day))
    except ValueError as error:
        problems.add(key, str(error))
        return None


def _week(problems: Problems, key: str, table: Any) -> dict[int, tuple[Interval, ...]] | None:
    if not isinstance(table, dict):
        problems.add(key, "missing: give hours per weekday, e.g. mon = [\"08:30-12:00\", \"13:30-17:30\"]")
        return None
    _unknown(problems, key, table, set(WEEKDAYS))
    week: dict[int, tuple[Interval, ...]] = {}
    for index, weekday in enumerate(WEEKDAYS):
        texts = table.get(weekday, [])
        if not isinstance(texts, list):
            problems.add(f"{key}.{weekday}", "must be a list of \"HH:MM-HH:MM\"")
            continue
        intervals = []
        for text in texts:
            try:
                intervals.append(parse_hours(str(text)))
            except ValueError as error:
                problems.add(f"{key}.{weekday}", str(error))
        intervals.sort()
        for previous, current in itertools.pairwise(intervals):
            if current[0] < previous[1]:
                problems.add(f"{key}.{weekday}", f"{format_hours(previous)} and {format_hours(current)} overlap")
        week[index] = tuple(intervals)
    if not any(week.values()):
        problems.add(key, "no working hours on any weekday")
    return week


def _holiday_set(problems: Problems, key: str, table: Any, years: HolidayYears | None,
                 ) -> tuple[set[dt.date], set[dt.date]]:
    if not isinstance(table, dict):
        problems.add(key, "must be a table")
        return set(), set()
    if key.startswith("holiday_sets."):
        _unknown(problems, key, table, _SET_KEYS)
    found = tuple(_dates(problems, f"{key}.{name}", table.get(name, [])) for name in ("holidays", "extra_working_days"))
    if years is not None:
        for name, dates in zip(("holidays", "extra_working_days"), found, strict=True):
            years.check(problems, f"{key}.{name}", dates)
    return found[0], found[1]


def _dates(problems: Problems, key: str, values: Any) -> set[dt.date]:
    if not isinstance(values, list):
        problems.add(key, "must be a list of dates")
        return set()
    found: set[dt.date] = set()
    for value in values:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            found.add(value)
            continue
        try:
            found.add(dt.date.fromisoformat(str(value)))
        except ValueError:
            problems.add(key, f"{value!r} is not a date (YYYY-MM-DD)")
    return found


def _zone(problems: Problems, key: str, value: Any) -> ZoneInfo | None:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(key, f"unknown time zone {value!r}")
        return None


def _table(problems: Problems, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        problems.add(key, "missing or not a table")
        return {}
    return value


def _unknown(problems: Problems, key: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    for name in sorted(set(table) - allowed):
        problems.add(f"{key}.{name}" if key else name, f"unknown key (allowed: {', '.join(sorted(allowed))})")
