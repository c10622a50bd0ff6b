"""Business calendars: hours with a lunch break, weekends, holidays, make-up working days, exact boundaries, DST."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.workflow.calendar import BusinessCalendar, format_hours, parse_hours
from hub.workflow.calendars import load_calendars

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)
OFFICE_WEEK = {day: ((510, 720), (810, 1050)) for day in range(5)}  # 08:30-12:00, 13:30-17:30


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def network() -> BusinessCalendar:
    """The packaged network desk: 08:30-12:00, 13:30-17:30 Mon-Fri, mainland holidays 2026-2027."""
    return load_calendars().get("network_ops")


@pytest.fixture(scope="module")
def plain() -> BusinessCalendar:
    """Same hours, no holidays: for reference checks that must not depend on the seed."""
    return BusinessCalendar("plain", "Asia/Shanghai", OFFICE_WEEK)


def brute_elapsed(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Reference: walk minute by minute (only for short spans aligned on minutes)."""
    total = timedelta(0)
    moment = start
    while moment < end:
        if calendar.is_open(moment):
            total += M
        moment += M
    return total


def test_parse_and_format_hours() -> None:
    assert parse_hours("08:30-12:00") == (510, 720)
    assert parse_hours("00:00-24:00") == (0, 1440)
    assert format_hours((510, 720)) == "08:30-12:00"
    for bad in ("08:30", "12:00-08:30", "25:00-26:00", "08:3-09:00", "08:61-09:00", "24:00-24:00", "x-y"):
        with pytest.raises(ValueError, match=r"08|12|25|24|x"):
            parse_hours(bad)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (sh(2026, 3, 2, 9), H, sh(2026, 3, 2, 10)),  # inside the morning
        (sh(2026, 3, 2, 11, 30), H, sh(2026, 3, 2, 14)),  # across the lunch break
        (sh(2026, 3, 2, 12, 30), 30 * M, sh(2026, 3, 2, 14)),  # start at lunch rolls to 13:30
        (sh(2026, 3, 2, 7), 30 * M, sh(2026, 3, 2, 9)),  # start before opening rolls to 08:30
        (sh(2026, 3, 2, 11), H, sh(2026, 3, 2, 12)),  # ends exactly at lunch: 12:00, not 13:30
        (sh(2026, 3, 2, 16, 30), H, sh(2026, 3, 2, 17, 30)),  # ends exactly at closing: today 17:30
        (sh(2026, 3, 2, 17, 30), M, sh(2026, 3, 3, 8, 31)),  # start at closing: tomorrow
        (sh(2026, 3, 2, 8, 30), 7.5 * H, sh(2026, 3, 2, 17, 30)),  # one whole day ends at its close
        (sh(2026, 3, 2, 8, 30), 7.5 * H + M, sh(2026, 3, 3, 8, 31)),
        (sh(2026, 3, 6, 17), H, sh(2026, 3, 9, 9)),  # Friday evening to Monday across the weekend
        (sh(2026, 3, 7, 10), H, sh(2026, 3, 9, 9, 30)),  # start on Saturday
        (sh(2026, 3, 2, 12, 30), timedelta(0), sh(2026, 3, 2, 13, 30)),  # zero: the next opening
        (sh(2026, 3, 2, 9), timedelta(0), sh(2026, 3, 2, 9)),  # zero while open: now
    ],
)
def test_add_on_working_days(plain: BusinessCalendar, start: datetime, duration: timedelta,
                             expected: datetime) -> None:
    assert plain.add(start, duration) == expected
    assert plain.add(start, duration).tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (sh(2026, 9, 30, 17), H, sh(2026, 10, 8, 9)),  # National Day 1-7 Oct closed
        (sh(2026, 10, 9, 17), H, sh(2026, 10, 10, 9)),  # Saturday 10 Oct is a make-up working day
        (sh(2026, 9, 18, 17), H, sh(2026, 9, 20, 9)),  # Sunday 20 Sep is a make-up working day
        (sh(2026, 2, 13, 17), H, sh(2026, 2, 14, 9)),  # Saturday 14 Feb works before the Spring Festival
        (sh(2026, 2, 14, 17), H, sh(2026, 2, 24, 9)),  # then 15-23 Feb closed
        (sh(2026, 12, 31, 17), H, sh(2027, 1, 4, 9)),  # New Year 2027 over the weekend
        (sh(2026, 4, 3, 17), H, sh(2026, 4, 7, 9)),  # Qingming: Monday 6 Apr closed
    ],
)
def test_add_over_holidays_and_make_up_days(network: BusinessCalendar, start: datetime, duration: timedelta,
                                            expected: datetime) -> None:
    assert network.add(start, duration) == expected


def test_make_up_days_and_holidays_open_and_close(network: BusinessCalendar) -> None:
    assert network.is_open(sh(2026, 10, 10, 9))  # Saturday, make-up day
    assert not network.is_open(sh(2026, 10, 17, 9))  # an ordinary Saturday
    assert not network.is_open(sh(2026, 10, 5, 9))  # a Monday of National Day
    assert network.is_open(sh(2026, 3, 2, 8, 30))  # an opening counts as open
    assert network.is_open(sh(2026, 3, 2, 11, 59, 59))
    assert not network.is_open(sh(2026, 3, 2, 12))  # a closing counts as closed
    assert not network.is_open(sh(2026, 3, 2, 13, 29, 59))
    assert network.hours_on(date(2026, 10, 10)) == network.hours_on(date(2026, 10, 12))


def test_thirty_working_days_skip_the_qingming_monday(network: BusinessCalendar) -> None:
    # March 2026 has no holiday; 6 April is Qingming: 30 working days from Mon 2 March end on Mon 13 April.
    assert network.add(sh(2026, 3, 2, 8, 30), 30 * 7.5 * H) == sh(2026, 4, 13, 17, 30)
    assert network.elapsed(sh(2026, 3, 2, 8, 30), sh(2026, 4, 13, 17, 30)) == 30 * 7.5 * H


def test_a_long_duration_across_both_years(network: BusinessCalendar) -> None:
    start = sh(2026, 1, 5, 10)
    due = network.add(start, 1500 * H)  # 200 working days
    assert network.elapsed(start, due) == 1500 * H
    assert network.is_open(due - M)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (sh(2026, 3, 2, 8), sh(2026, 3, 2, 18), 7.5 * H),
        (sh(2026, 3, 2, 11), sh(2026, 3, 2, 14), 1.5 * H),  # the lunch break does not count
        (sh(2026, 3, 6, 16), sh(2026, 3, 9, 10), 3 * H),  # the weekend does not count
        (sh(2026, 3, 7, 9), sh(2026, 3, 8, 20), timedelta(0)),
        (sh(2026, 3, 2, 9), sh(2026, 3, 2, 9), timedelta(0)),
    ],
)
def test_elapsed(plain: BusinessCalendar, start: datetime, end: datetime, expected: timedelta) -> None:
    assert plain.elapsed(start, end) == expected


def test_elapsed_over_the_spring_festival(network: BusinessCalendar) -> None:
    # Fri 13 Feb 16:30 → Tue 24 Feb 09:30: 1 h Friday, 7.5 h on make-up Saturday 14 Feb, 1 h Tuesday.
    assert network.elapsed(sh(2026, 2, 13, 16, 30), sh(2026, 2, 24, 9, 30)) == 9.5 * H


def test_elapsed_agrees_with_a_minute_by_minute_walk(network: BusinessCalendar) -> None:
    rng = random.Random(12)
    base = sh(2026, 9, 14)  # a fortnight with a make-up Sunday, Mid-Autumn and National Day
    for _ in range(25):
        start = base + rng.randrange(0, 14 * 24 * 60) * M
        end = start + rng.randrange(0, 4 * 24 * 60) * M
        assert network.elapsed(start, end) == brute_elapsed(network, start, end), (start, end)


def test_add_and_elapsed_invert_each_other(network: BusinessCalendar) -> None:
    rng = random.Random(7)
    base = sh(2026, 1, 1)
    for _ in range(300):
        start = base + timedelta(seconds=rng.randrange(0, 700 * 86400))
        duration = timedelta(seconds=rng.randrange(1, 400 * 3600))
        due = network.add(start, duration)
        assert network.elapsed(start, due) == duration
        later = start + timedelta(seconds=rng.randrange(1, 60 * 86400))
        if network.is_open(later) and network.is_open(later - timedelta(microseconds=1)):
            assert network.add(start, network.elapsed(start, later)) == later


def test_always_open_is_elapsed_time() -> None:
    hotline = BusinessCalendar.open_always("hotline")
    start = sh(2026, 10, 1, 23, 59)
    assert hotline.always_open
    assert hotline.add(start, 30 * M) == sh(2026, 10, 2, 0, 29)
    assert hotline.elapsed(start, sh(2026, 10, 8)) == sh(2026, 10, 8) - start
    assert hotline.is_open(start)
    assert load_calendars().get("hotline").always_open


class TestDaylightSaving:
    """Business time is real time: a day that loses an hour has one hour less of it."""

    def berlin(self, month: int, day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)

    def test_always_open_counts_real_hours(self) -> None:
        clock = BusinessCalendar.open_always("berlin", BERLIN)
        # Europe/Berlin springs forward on Sun 29 Mar 2026 at 02:00 and falls back on Sun 25 Oct at 03:00.
        assert clock.elapsed(self.berlin(3, 28, 12), self.berlin(3, 29, 12)) == 23 * H
        assert clock.add(self.berlin(3, 28, 12), 24 * H) == self.berlin(3, 29, 13)
        assert clock.elapsed(self.berlin(10, 24, 12), self.berlin(10, 25, 12)) == 25 * H

    def test_a_whole_day_of_hours_on_the_change_days(self) -> None:
        week = {day: ((540, 1020),) for day in range(5)} | {6: ((0, 1440),)}
        calendar = BusinessCalendar("berlin", BERLIN, week)
        assert not calendar.always_open
        assert calendar.elapsed(self.berlin(3, 29, 0), self.berlin(3, 30, 0)) == 23 * H
        assert calendar.elapsed(self.berlin(10, 25, 0), self.berlin(10, 26, 0)) == 25 * H
        assert calendar.add(self.berlin(3, 29, 0), 23 * H) == self.berlin(3, 29, 23, 59) + M
        assert calendar.add(self.berlin(3, 29, 0), 23 * H + M) == self.berlin(3, 30, 9, 1)

    def test_a_night_shift_over_the_repeated_hour(self) -> None:
        calendar = BusinessCalendar("night", BERLIN, {6: ((60, 300),)})  # Sundays 01:00-05:00 local
        assert calendar.elapsed(self.berlin(10, 25, 0), self.berlin(10, 25, 6)) == 5 * H  # 02:00-03:00 twice
        assert calendar.elapsed(self.berlin(3, 29, 0), self.berlin(3, 29, 6)) == 3 * H  # 02:00-03:00 never

    def test_an_interval_that_ends_in_the_repeated_hour_takes_both(self) -> None:
        calendar = BusinessCalendar("early", BERLIN, {6: ((60, 150),)})  # Sundays 01:00-02:30 local
        first_0230 = self.berlin(10, 25, 2, 30)  # fold=0: 02:30 CEST
        last_0230 = first_0230.replace(fold=1).astimezone(UTC)  # 02:30 CET, an hour later (in UTC: PEP 495 never
        # lets a fold=1 time equal a time of another zone)
        assert calendar.is_open(last_0230 - M)
        assert not calendar.is_open(last_0230)
        assert calendar.elapsed(self.berlin(10, 25, 0), self.berlin(10, 25, 6)) == 2.5 * H  # 1.5 h + the repeated hour
        assert calendar.add(self.berlin(10, 25, 0), 2.5 * H) == last_0230
        assert calendar.elapsed(self.berlin(10, 18, 0), self.berlin(10, 18, 6)) == 1.5 * H

    def test_office_hours_across_the_change(self) -> None:
        calendar = BusinessCalendar("berlin-office", BERLIN, {day: ((540, 1020),) for day in range(5)})
        assert calendar.add(self.berlin(3, 27, 16), 2 * H) == self.berlin(3, 30, 10)
        assert calendar.elapsed(self.berlin(3, 27, 16), self.berlin(3, 30, 10)) == 2 * H
        assert calendar.add(self.berlin(10, 23, 16), 2 * H) == self.berlin(10, 26, 10)
        new_york = BusinessCalendar("ny", "America/New_York", {day: ((540, 1020),) for day in range(5)})
        start = datetime(2026, 3, 6, 16, tzinfo=ZoneInfo("America/New_York"))  # DST starts Sun 8 Mar
        assert new_york.add(start, 2 * H) == datetime(2026, 3, 9, 10, tzinfo=ZoneInfo("America/New_York"))


def test_instants_in_any_zone_are_the_same_instants(plain: BusinessCalendar) -> None:
    utc_start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert plain.add(utc_start, H) == sh(2026, 3, 2, 10)


def test_refusals() -> None:
    plain = BusinessCalendar("plain", "Asia/Shanghai", OFFICE_WEEK)
    with pytest.raises(ValueError, match="naive"):
        plain.add(datetime(2026, 3, 2, 9), H)
    with pytest.raises(ValueError, match="negative"):
        plain.add(sh(2026, 3, 2, 9), -H)
    with pytest.raises(ValueError, match="before start"):
        plain.elapsed(sh(2026, 3, 2, 10), sh(2026, 3, 2, 9))
    with pytest.raises(ValueError, match="never open"):
        BusinessCalendar("closed", "Asia/Shanghai", {})
    with pytest.raises(ValueError, match="overlapping"):
        BusinessCalendar("bad", "Asia/Shanghai", {0: ((510, 720), (700, 800))})
    with pytest.raises(ValueError, match="both holiday and working day"):
        BusinessCalendar("bad", "Asia/Shanghai", OFFICE_WEEK, [date(2026, 3, 7)], [date(2026, 3, 7)])


def test_a_calendar_closed_for_good_is_refused_not_looped_on() -> None:
    mondays = [date(2026, 3, 9) + timedelta(weeks=n) for n in range(52 * 40)]
    mondays_only = BusinessCalendar("mondays", "Asia/Shanghai", {0: ((510, 720),)}, holidays=mondays)
    assert mondays_only.add(sh(2026, 3, 2, 8), H) == sh(2026, 3, 2, 9, 30)
    with pytest.raises(ValueError, match="not open within"):
        mondays_only.add(sh(2026, 3, 3), H)
    with pytest.raises(ValueError, match="never open"):
        BusinessCalendar("make-up only", "Asia/Shanghai", {}, extra_working_days=[date(2026, 3, 7)])


def test_version_follows_the_definition() -> None:
    first = BusinessCalendar("a", "Asia/Shanghai", OFFICE_WEEK)
    assert first.version == BusinessCalendar("b", "Asia/Shanghai", OFFICE_WEEK).version
    assert first.version != BusinessCalendar("a", "Asia/Shanghai", OFFICE_WEEK, [date(2026, 3, 2)]).version
