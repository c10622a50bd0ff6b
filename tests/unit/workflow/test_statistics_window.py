"""The windows the statistics read: any schema-valid QueryStatistics is answered — a window the statistics cannot
read (outside 1900-01-01 … 9998-12-31, longer than 3660 days) with ``c:Error`` ``bad-window`` naming the limit,
never retried and dead-lettered — and ``onepoint stats`` refuses one as a usage error, without a traceback."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from lxml import etree

from hub.cli.main import main
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.statistics import StatisticsQuery, read_figures
from hub.workflow.statistics.figures import EARLIEST_DAY, LATEST_DAY, MAX_WINDOW_DAYS, BadWindow
from tests.unit.workflow.kit import WO, answer, command, envelope, text

pytestmark = pytest.mark.unit

SHENZHEN = ZoneInfo("Asia/Shanghai")


def ask(client: WorkerTestClient, first: str, last: str) -> etree._Element:
    """QueryStatistics of ``Days`` first … last (schema-valid), and its answer."""
    document, message_id = command("QueryStatistics.valid.xml")
    document.find(f"{{{WO}}}Days/{{{WO}}}From").text = first  # type: ignore[union-attr]
    document.find(f"{{{WO}}}Days/{{{WO}}}To").text = last  # type: ignore[union-attr]
    schema = CommandSetRegistry.installed().get("workorder").lxml_schema
    assert schema.validate(document), schema.error_log
    result = client.request(envelope(document, message_id))
    assert result.final.attempts == 1, result.final.reason  # answered at once, never retried
    return answer(result)


@pytest.mark.parametrize(("first", "last", "limit"), [
    ("2026-11-01", "9999-12-31", "1900-01-01 … 9998-12-31"),
    ("0001-01-01", "0001-01-31", "1900-01-01 … 9998-12-31"),
    ("0001-01-01", "9998-12-31", "1900-01-01 … 9998-12-31"),
    ("2016-01-01", "2026-11-30", "at most 3660"),
])
def test_a_window_the_statistics_cannot_read_is_answered_bad_window(client: WorkerTestClient, first: str,
                                                                    last: str, limit: str) -> None:
    refused = ask(client, first, last)
    assert refused.tag == "{urn:onepoint:common:1}Error"
    assert text(refused, "c:Code") == "bad-window"
    assert limit in (text(refused, "c:Message") or "")


def test_days_with_a_time_zone_are_the_days_written(client: WorkerTestClient) -> None:
    figures = ask(client, "2026-11-01+08:00", "2026-11-24Z")
    assert text(figures, "wo:Days/wo:From") == "2026-11-01" and text(figures, "wo:Days/wo:To") == "2026-11-24"


def test_a_created_in_instant_outside_the_calendar_is_answered_bad_window(client: WorkerTestClient) -> None:
    document, message_id = command("QueryStatistics.valid-time-range.xml")
    created_in = document.find(f"{{{WO}}}CreatedIn")
    assert created_in is not None
    created_in[0].text = "0001-01-01T00:00:00+08:00"  # before UTC's year 1
    refused = answer(client.request(envelope(document, message_id)))
    assert text(refused, "c:Code") == "bad-window" and "1900-01-01" in (text(refused, "c:Message") or "")


def test_a_created_in_ending_at_24_00_is_read_as_the_next_days_midnight(client: WorkerTestClient) -> None:
    document, message_id = command("QueryStatistics.valid-time-range.xml")
    created_in = document.find(f"{{{WO}}}CreatedIn")
    assert created_in is not None
    created_in[0].text, created_in[1].text = "2026-11-20T00:00:00+08:00", "2026-11-22T24:00:00+08:00"
    figures = answer(client.request(envelope(document, message_id)))
    assert text(figures, "wo:Days/wo:From") == "2026-11-20" and text(figures, "wo:Days/wo:To") == "2026-11-23"


def test_the_widest_windows_allowed_are_read(runtime: WorkflowRuntime) -> None:
    latest = StatisticsQuery(date.fromordinal(LATEST_DAY.toordinal() - MAX_WINDOW_DAYS + 1), LATEST_DAY)
    earliest = StatisticsQuery(EARLIEST_DAY, date.fromordinal(EARLIEST_DAY.toordinal() + MAX_WINDOW_DAYS - 1))
    now = datetime(2026, 11, 23, tzinfo=UTC)
    with runtime.store.engine.connect() as connection:
        for query in (latest, earliest):
            assert read_figures(connection, query, SHENZHEN, now=now).totals.complaints == 0
    with pytest.raises(BadWindow, match="at most 3660"):
        StatisticsQuery(EARLIEST_DAY, date.fromordinal(EARLIEST_DAY.toordinal() + MAX_WINDOW_DAYS))


@pytest.mark.parametrize(("window", "named"), [
    (["--to", "9999-12-31"], "9998-12-31"),
    (["--to", "0001-01-05"], "1900-01-01"),
    (["--from", "0001-01-01", "--to", "2026-11-23"], "1900-01-01"),
    (["--from", "2016-01-01", "--to", "2026-11-30"], "at most 3660"),
])
def test_stats_refuses_a_window_it_cannot_read_without_a_traceback(config: Path, window: list[str],
                                                                   named: str) -> None:
    refused = CliRunner().invoke(main, ["stats", *window, "--config", str(config)])
    assert refused.exit_code == 2, refused.output
    assert named in refused.output and "Traceback" not in refused.output
    assert not isinstance(refused.exception, OverflowError)


@pytest.mark.parametrize("area", ["755", "0055", "07555", "abc"])
def test_stats_refuses_an_area_that_is_no_area_code(config: Path, area: str) -> None:
    """A mistyped area counted nothing, silently (exit 0, an empty table): a usage error, as QueryStatistics and
    ``workorders list --category`` refuse theirs."""
    refused = CliRunner().invoke(main, ["stats", "--area", area, "--config", str(config)])
    assert refused.exit_code == 2, refused.output
    assert f"'{area}' is no area code" in refused.output
    assert CliRunner().invoke(main, ["stats", "--area", "0755", "--config", str(config)]).exit_code == 0


def test_a_from_after_today_alone_names_the_default_to_as_a_default(config: Path) -> None:
    """Before: ``--to 2026-12-08 is before --from 2026-12-20``, a --to the user never gave."""
    days = {datetime.now(UTC).astimezone(SHENZHEN).date()}
    refused = CliRunner().invoke(main, ["stats", "--from", "2999-01-01", "--config", str(config)])
    days.add(datetime.now(UTC).astimezone(SHENZHEN).date())  # a midnight between: either day
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())  # as wrapped by click
    assert any(f"--from 2999-01-01 is after --to (default: today, {day})" in said for day in days), said
    assert "is before --from" not in said


def test_a_to_given_before_the_from_given_names_both(config: Path) -> None:
    refused = CliRunner().invoke(main, ["stats", "--from", "2026-12-20", "--to", "2026-12-08", "--config",
                                        str(config)])
    assert refused.exit_code == 2 and "--to 2026-12-08 is before --from 2026-12-20" in refused.output
