"""The years a calendars file's holidays and make-up days may name, seen from the day it is loaded.

Holidays are a seed the administrator adds to each year (the State Council's notice, usually out in November):
a year nobody entered counts its public holidays as working days, without a word. So at every load (start and
reload), with the clock's date as ``today``:

- a holiday set that lists no date of this year, or from 1 November on none of next year, is a WARNING naming the
  set and the year (the file still loads: a hub must not stop because a notice is late);
- a date after ``today``'s year + 2 is refused, naming it (a typo, 2062 for 2026: nothing is published that far
  ahead);
- a date before ``today``'s year - 1 is a WARNING naming it, not a refusal: a file keeping past years' notices (for
  the deadlines of work orders still open from then), or the packaged seed unchanged some years on, must still
  start the hub, which a refusal would stop at the turn of a year.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.workflow.datafile import Problems

__all__ = ["NOTICE_MONTH", "HolidayYears"]

log = logging.getLogger("onepoint.workflow")

NOTICE_MONTH = 11  # from 1 November on, next year's notice is due (published 2025-11-04 for 2026)
YEARS_BACK, YEARS_AHEAD = 1, 2  # the dates a file may name: [today's year - 1, today's year + 2]


@dataclass
class HolidayYears:
    """The checks of one load; ``check`` each list of dates, then ``warn`` once the file is accepted."""

    today: dt.date
    source: str
    past: dict[str, list[dt.date]] = field(default_factory=dict)  # key → its dates before the window

    @property
    def first(self) -> int:
        return self.today.year - YEARS_BACK

    @property
    def last(self) -> int:
        return self.today.year + YEARS_AHEAD

    def check(self, problems: Problems, key: str, dates: set[dt.date]) -> None:
        """Refuse the dates of ``key`` after the window, keep those before it for `warn`."""
        for day in sorted(day for day in dates if day.year > self.last):
            problems.add(key, f"{day} is after {self.last} (more than two years ahead): a typo?")
        early = sorted(day for day in dates if day.year < self.first)
        if early:
            self.past[key] = early

    def due_years(self) -> list[int]:
        """The years a holiday set must list: this one, and next year from 1 November on."""
        return [self.today.year, *([self.today.year + 1] if self.today.month >= NOTICE_MONTH else [])]

    def warn(self, sets: Mapping[str, tuple[set[dt.date], set[dt.date]]]) -> None:
        """One WARNING per holiday set missing a due year, one per list with dates before the window."""
        for name, (holidays, extra) in sorted(sets.items()):
            listed = {day.year for day in holidays | extra}
            for year in self.due_years():
                if year not in listed:
                    log.warning(f"holiday set {name!r} lists no holidays or make-up days for {year}: deadlines "
                                f"running into {year} count its public holidays as working days; add the State "
                                "Council's notice for it", extra={"source": self.source, "holiday_set": name,
                                                                  "year": year})
        for key, days in self.past.items():
            log.warning(f"{key}: {', '.join(map(str, days))} before {self.first} (more than a year back): kept, "
                        "check for a typo", extra={"source": self.source, "key": key})
