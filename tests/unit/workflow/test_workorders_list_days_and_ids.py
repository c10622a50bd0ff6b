"""``onepoint workorders list`` takes the days ``stats`` takes, as ``stats`` bounds them, and an incident's id as
``workorders show`` takes it.

Before, ``--to DAY`` ended at the next day's midnight less a microsecond *of wall time*: in a zone whose clocks go
back at midnight (America/Santiago on 2026-04-04, Asia/Beirut on 2026-10-24) that is the first pass of the repeated
hour, so the list lost the hour ``stats`` counted. ``--from 0001-01-01`` in a zone east of UTC was a traceback
(OverflowError, exit 1), where ``stats`` refuses the day (exit 2). And ``--incident wo20261123…`` (lower case,
full-width) was "no work order id" though ``show`` found it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from hub.cli.main import main
from hub.cli.workorder_list import ListFilters, creation_window
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.statistics.queries import day_range
from tests.support.workorder_store import make_row

pytestmark = pytest.mark.unit

WORK_ORDER = re.compile(r"^(WO\w{16})", re.M)
# the days whose clocks go back at midnight: their last wall hour (23:00-24:00) passes twice
BACK_AT_MIDNIGHT = [("America/Santiago", date(2026, 4, 4)), ("Asia/Beirut", date(2026, 10, 24))]


def run(config: Path, *options: str) -> Result:
    return CliRunner().invoke(main, ["workorders", "list", *options, "--config", str(config)])


def zoned(config: Path, zone: str) -> Path:
    """``config`` with ``[workflow] statistics_timezone`` set to ``zone``."""
    text = config.read_text().replace("[workflow]\n", f'[workflow]\nstatistics_timezone = "{zone}"\n')
    path = config.with_name(f"hub-{zone.replace('/', '-')}.toml")
    path.write_text(text)
    return path


@pytest.mark.parametrize(("zone", "day"), BACK_AT_MIDNIGHT)
def test_a_day_the_clocks_go_back_at_midnight_ends_where_stats_ends_it(zone: str, day: date) -> None:
    start, end = day_range(day, day, ZoneInfo(zone))
    assert creation_window(ListFilters(first_day=day, last_day=day), ZoneInfo(zone)) == (
        start.astimezone(UTC), end.astimezone(UTC) - timedelta(microseconds=1))


@pytest.mark.parametrize(("zone", "day"), BACK_AT_MIDNIGHT)
def test_the_repeated_last_hour_is_listed_on_its_day(runtime: WorkflowRuntime, config: Path, zone: str,
                                                     day: date) -> None:
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), ZoneInfo(zone)).astimezone(UTC)
    repeated = midnight - timedelta(minutes=30)  # 23:30 of ``day``, its second pass
    with runtime.store.transaction() as tx:
        kept = tx.insert_work_order(make_row(0, created_at=repeated))
        tx.insert_work_order(make_row(1, created_at=midnight))  # the next day's first instant
    listed = run(zoned(config, zone), "--from", day.isoformat(), "--to", day.isoformat())
    assert listed.exit_code == 0, listed.output
    assert WORK_ORDER.findall(listed.output) == [kept]


@pytest.mark.parametrize(("options", "named"), [(["--from", "0001-01-01"], "--from"),
                                                 (["--to", "0001-01-01"], "--to"),
                                                 (["--to", "9999-12-31"], "--to"),
                                                 (["--from", "1899-12-31", "--to", "2026-11-23"], "--from")])
def test_a_day_stats_does_not_read_is_a_usage_error(config: Path, options: list[str], named: str) -> None:
    refused = run(config, *options)
    assert refused.exit_code == 2, refused.output
    assert named in refused.output and "1900-01-01 … 9998-12-31" in refused.output, refused.output


def test_the_first_and_last_days_stats_reads_are_listed(config: Path) -> None:
    listed = run(config, "--from", "1900-01-01", "--to", "9998-12-31")
    assert listed.exit_code == 0, listed.output


@pytest.mark.parametrize("spelling", [str.lower, lambda text: text.translate(
    {code: code + 0xFEE0 for code in range(0x21, 0x7F)}), lambda text: f"  {text}\n"])
def test_an_incident_is_named_as_show_takes_it(runtime: WorkflowRuntime, config: Path,
                                                spelling: Callable[[str], str]) -> None:
    with runtime.store.transaction() as tx:
        incident = tx.insert_work_order(make_row(0, ticket_type="INCIDENT", state="DISPATCHED"))
        child = tx.insert_work_order(make_row(1, incident_id=incident))
    typed = spelling(incident)
    assert CliRunner().invoke(main, ["workorders", "show", typed, "--config", str(config)]).exit_code == 0
    listed = run(config, "--incident", typed)
    assert listed.exit_code == 0, listed.output
    assert WORK_ORDER.findall(listed.output) == [child]


def test_what_is_no_work_order_id_is_still_refused(config: Path) -> None:
    refused = run(config, "--incident", "wo2026")
    assert refused.exit_code == 2 and "'wo2026' is no work order id" in refused.output, refused.output
