"""The years a calendars file's holiday sets cover, seen from the clock's date at load (start and reload): a set
that lists nothing for this year (or, from 1 November on, for next year) is warned of, naming it; a date more than
two years ahead is refused (a typo: 2062 for 2026), one more than a year back only warned of (a file keeping past
years, or the packaged seed some years on, must still load)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import tomllib
from pathlib import Path

import pytest

from hub.workflow.calendars import load_calendars, parse_calendars
from hub.workflow.datafile import DataFileError, packaged
from tests.unit.workflow.deadline_kit import open_on

pytestmark = pytest.mark.unit

SEED = packaged("calendars.toml").read_text(encoding="utf-8")
WITHOUT_2027 = "\n".join(line for line in SEED.splitlines() if not re.match(r"\s*2027-", line))


def warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_the_seed_loads_quietly_on_the_tests_fixed_dates(caplog: pytest.LogCaptureFixture) -> None:
    for today in (dt.date(2026, 11, 23), dt.date(2026, 3, 2), dt.date(2027, 6, 1), dt.date(2026, 1, 5)):
        caplog.clear()
        assert load_calendars(today=today).get("network_ops").holidays
        assert warnings(caplog) == [], today


def test_next_year_missing_from_november_on_is_warned_naming_the_set(tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "calendars.toml"
    path.write_text(WITHOUT_2027, encoding="utf-8")
    caplog.set_level(logging.INFO)
    load_calendars(path, today=dt.date(2026, 10, 31))
    assert warnings(caplog) == []  # before November: the notice is not out yet
    load_calendars(path, today=dt.date(2026, 11, 1))
    [warned] = warnings(caplog)
    message = warned.getMessage()
    assert "'cn_mainland'" in message and "2027" in message
    assert warned.__dict__["holiday_set"] == "cn_mainland" and warned.__dict__["year"] == 2027
    assert warned.__dict__["source"] == str(path)


def test_this_year_missing_is_warned(caplog: pytest.LogCaptureFixture) -> None:
    parse_calendars(tomllib.loads(WITHOUT_2027), "v", today=dt.date(2027, 3, 1))
    [warned] = warnings(caplog)
    assert "'cn_mainland'" in warned.getMessage() and warned.__dict__["year"] == 2027


def test_a_date_more_than_two_years_ahead_is_refused_naming_it(caplog: pytest.LogCaptureFixture) -> None:
    document = tomllib.loads(SEED.replace("2026-10-01,", "2062-10-01,").replace("2027-05-08,", "2029-05-05,"))
    document["calendars"]["office"]["holidays"] = [dt.date(2030, 1, 2)]
    with pytest.raises(DataFileError) as refused:
        parse_calendars(document, "v", today=dt.date(2026, 11, 23))
    assert refused.value.problems == (
        ("holiday_sets.cn_mainland.holidays", "2062-10-01 is after 2028 (more than two years ahead): a typo?"),
        ("holiday_sets.cn_mainland.extra_working_days",
         "2029-05-05 is after 2028 (more than two years ahead): a typo?"),
        ("calendars.office.holidays", "2030-01-02 is after 2028 (more than two years ahead): a typo?"))
    assert parse_calendars(document, "v", today=dt.date(2060, 1, 1))  # seen from 2060 only the past is far


def test_a_date_more_than_a_year_back_is_warned_not_refused(caplog: pytest.LogCaptureFixture) -> None:
    """A file keeping past years' notices (or the seed, unchanged, some years on) must still start the hub."""
    document = tomllib.loads(SEED.replace("2026-10-01,", "2016-10-01, 2026-10-01,"))
    calendars = parse_calendars(document, "v", today=dt.date(2026, 11, 23))
    assert dt.date(2016, 10, 1) in calendars.get("office").holidays
    [warned] = warnings(caplog)
    assert "2016-10-01" in warned.getMessage() and "holiday_sets.cn_mainland.holidays" in warned.getMessage()


def test_without_today_the_loader_takes_the_machines_date(tmp_path: Path) -> None:
    far = dt.date.today().year + 3
    text = SEED.replace("2026-10-01,", f"{far}-10-01,")
    assert parse_calendars(tomllib.loads(text), "v")  # parsing alone, without a date, checks no years
    path = tmp_path / "calendars.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=f"{far}-10-01 is after"):
        load_calendars(path)


def test_the_hub_warns_at_start_and_at_a_reload_by_its_clocks_date(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """The date is the runtime's clock's (a ManualClock on 2026-11-23 here), at start and at each reload."""
    calendars = tmp_path / "calendars.toml"
    calendars.write_text(SEED, encoding="utf-8")
    hub = open_on(f"sqlite:///{tmp_path / 'wo.db'}", calendars=calendars)
    try:
        assert warnings(caplog) == []
        calendars.write_text(WITHOUT_2027 + "\n# 2027 taken out\n", encoding="utf-8")
        assert hub.rules is not None and hub.rules.refresh() is True
        [warned] = warnings(caplog)
        assert "'cn_mainland'" in warned.getMessage() and warned.__dict__["year"] == 2027
    finally:
        hub.close()
    caplog.clear()
    later = open_on(f"sqlite:///{tmp_path / 'wo.db'}", calendars=calendars,
                    start=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))  # before November: nothing due yet
    later.close()
    assert warnings(caplog) == []
    caplog.clear()
    again = open_on(f"sqlite:///{tmp_path / 'wo.db'}", calendars=calendars)
    again.close()
    assert [getattr(record, "year", None) for record in warnings(caplog)] == [2027]
