"""Business calendars: when a department works, and how much of its working time lies between two instants.

Working hours are local wall times per weekday (several intervals a day, e.g. a lunch break); holidays close a
day, extra working days (China's 调休 make-up days, often a Saturday or Sunday) open one with the hours of a chosen
weekday. Business time is real elapsed time inside the open intervals, so a day that loses or gains an hour to
daylight saving time counts what really passed. A repeated local hour (fall-back) lies inside the interval that
names it; a local time that does not exist (inside a spring-forward gap) is read as zoneinfo reads it (``fold=0``).
An always-open calendar (the 7×24 hotline) is plain elapsed time.

`add` and `elapsed` walk whole days and whole weeks from cached per-day totals, never minute by minute: a
30-day limit is a handful of dictionary look-ups.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from hub.workflow.clock import as_utc

__all__ = ["DAY_MINUTES", "WEEKDAYS", "BusinessCalendar", "Interval", "format_hours", "parse_hours"]

DAY_MINUTES = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_SEARCH_DAYS = 366 * 30  # a calendar that never opens again within this many days is refused, not looped on
_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)

Interval = tuple[int, int]  # minutes after local midnight, [start, end), end may be 1440 (24:00)
Span = tuple[datetime, datetime]  # one open interval as UTC instants


def parse_hours(text: str) -> Interval:
    """``"08:30-12:00"`` → ``(510, 720)``; ``"24:00"`` is allowed as an end only."""
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM")
    start, end = (_minutes(part.strip()) for part in parts)
    if start >= DAY_MINUTES:
        raise ValueError(f"{text!r}: a day starts before 24:00")
    if end <= start:
        raise ValueError(f"{text!r}: the end must come after the start")
    return start, end


def format_hours(interval: Interval) -> str:
    start, end = interval
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _minutes(text: str) -> int:
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"{text!r} is not HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY_MINUTES:
        raise ValueError(f"{text!r} is not a time of day")
    return value


class BusinessCalendar:
    """One department's working time; immutable once built, safe to share between threads."""

    def __init__(
        self,
        name: str,
        time_zone: str | ZoneInfo = "Asia/Shanghai",
        week: Mapping[int, Sequence[Interval]] | None = None,
        holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        extra_day_weekday: int = 0,
    ) -> None:
        """``week`` maps weekday (0 = Monday) to its open intervals; ``None`` means open 7×24."""
        self.name = name
        self.zone = time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)
        self.week: tuple[tuple[Interval, ...], ...] = (
            tuple(((0, DAY_MINUTES),) for _ in range(7)) if week is None
            else tuple(_checked(tuple(sorted(week.get(day, ()))), day) for day in range(7))
        )
        self.holidays = frozenset(holidays)
        self.extra_working_days = frozenset(extra_working_days)
        clash = self.holidays & self.extra_working_days
        if clash:
            raise ValueError(f"calendar {name}: both holiday and working day: {sorted(clash)}")
        if not 0 <= extra_day_weekday < 7:
            raise ValueError(f"calendar {name}: extra_day_weekday {extra_day_weekday} is not 0..6")
        self.extra_day_weekday = extra_day_weekday
        if not any(self.week) and not (self.extra_working_days and self.week[extra_day_weekday]):
            raise ValueError(f"calendar {name}: never open")
        self.always_open = not self.holidays and all(hours == ((0, DAY_MINUTES),) for hours in self.week)
        self.version = self._digest()
        self._day = lru_cache(maxsize=8192)(self._compute_day)
        self._week_total = lru_cache(maxsize=2048)(self._compute_week_total)

    @classmethod
    def open_always(cls, name: str = "7x24", time_zone: str | ZoneInfo = "Asia/Shanghai") -> BusinessCalendar:
        """The 7×24 calendar: business time is elapsed time."""
        return cls(name, time_zone)

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name!r}, {self.zone.key!r}, version={self.version})"

    # ---- the three operations ------------------------------------------------------------------------------

    def is_open(self, instant: datetime) -> bool:
        """Whether ``instant`` falls inside an open interval (a start counts as open, an end as closed)."""
        moment = as_utc(instant)
        if self.always_open:
            return True
        spans, _ = self._day(self._local_date(moment))
        return any(start <= moment < end for start, end in spans)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has passed since ``start``.

        A start outside the hours counts from the next opening; a duration that ends exactly at a closing time
        answers that closing time (not the next opening). ``add(t, 0)`` is the next opening at or after ``t``.
        """
        if duration < _ZERO:
            raise ValueError(f"negative duration {duration}")
        moment = as_utc(start)
        if self.always_open:
            return moment + duration
        day = self._local_date(moment)
        remaining = duration
        for span_start, span_end in self._day(day)[0]:
            if span_end <= moment:
                continue
            begin = max(span_start, moment)
            if remaining <= span_end - begin:
                return begin + remaining
            remaining -= span_end - begin
        limit = day + timedelta(days=MAX_SEARCH_DAYS)
        day += _DAY
        while day < limit:
            if day.weekday() == 0:
                week_total = self._week_total(day)
                if remaining > week_total or week_total == _ZERO:
                    remaining -= week_total
                    day += _WEEK
                    continue
            spans, total = self._day(day)
            if remaining > total or total == _ZERO:
                remaining -= total
                day += _DAY
                continue
            for span_start, span_end in spans:
                if remaining <= span_end - span_start:
                    return span_start + remaining
                remaining -= span_end - span_start
        raise ValueError(f"calendar {self.name}: not open within {MAX_SEARCH_DAYS} days of {moment.isoformat()}")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants (``end`` before ``start`` is an error, not a negative time)."""
        first, last = as_utc(start), as_utc(end)
        if last < first:
            raise ValueError(f"end {last.isoformat()} before start {first.isoformat()}")
        if self.always_open:
            return last - first
        first_day, last_day = self._local_date(first), self._local_date(last)
        if first_day == last_day:
            return self._overlap(first_day, first, last)
        total = self._overlap(first_day, first, None)
        day = first_day + _DAY
        while day < last_day:
            if day.weekday() == 0 and day + _WEEK <= last_day:
                total += self._week_total(day)
                day += _WEEK
            else:
                total += self._day(day)[1]
                day += _DAY
        return total + self._overlap(last_day, None, last)

    def hours_on(self, day: date) -> tuple[Interval, ...]:
        """The open intervals of a local date: none on a holiday, a weekday's hours on an extra working day."""
        if day in self.holidays:
            return ()
        if day in self.extra_working_days:
            return self.week[self.extra_day_weekday]
        return self.week[day.weekday()]

    # ---- internals ------------------------------------------------------------------------------------------

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def _instant(self, day: date, minute: int, *, closing: bool = False) -> datetime:
        """A local wall time as UTC; a repeated wall time (DST fall-back) opens at its first and closes at its
        last occurrence, so the repeated hour is inside the interval that names it."""
        if minute >= DAY_MINUTES:
            day, minute = day + _DAY, minute - DAY_MINUTES
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)
        if closing:
            last = local.replace(fold=1)
            if last.utcoffset() != local.utcoffset() and _exists(last):
                local = last
        return local.astimezone(UTC)

    def _compute_day(self, day: date) -> tuple[tuple[Span, ...], timedelta]:
        spans = []
        for start, end in self.hours_on(day):
            span = (self._instant(day, start), self._instant(day, end, closing=True))
            if span[1] > span[0]:
                spans.append(span)
        return tuple(spans), sum((end - start for start, end in spans), _ZERO)

    def _compute_week_total(self, monday: date) -> timedelta:
        return sum((self._day(monday + timedelta(days=offset))[1] for offset in range(7)), _ZERO)

    def _overlap(self, day: date, start: datetime | None, end: datetime | None) -> timedelta:
        total = _ZERO
        for span_start, span_end in self._day(day)[0]:
            begin = span_start if start is None else max(span_start, start)
            finish = span_end if end is None else min(span_end, end)
            if finish > begin:
                total += finish - begin
        return total

    def _digest(self) -> str:
        text = repr((self.zone.key, self.week, sorted(self.holidays), sorted(self.extra_working_days),
                     self.extra_day_weekday))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _exists(local: datetime) -> bool:
    """Whether an aware local time is a real wall time of its zone (not inside a spring-forward gap)."""
    return local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == local.replace(tzinfo=None)


def _checked(hours: tuple[Interval, ...], weekday: int) -> tuple[Interval, ...]:
    for start, end in hours:
        if not 0 <= start < end <= DAY_MINUTES:
            raise ValueError(f"{WEEKDAYS[weekday]}: bad interval {start}-{end}")
    for (_, previous_end), (start, _) in itertools.pairwise(hours):
        if start < previous_end:
            raise ValueError(f"{WEEKDAYS[weekday]}: overlapping hours {[format_hours(hour) for hour in hours]}")
    return hours
