"""The longest period one SMS-log query may cover (``[adapters.dsmp] sms_log_max_days``, default 31 days): a
longer one is refused before DSMP is asked, ``period-too-long`` naming the limit and the period asked, and audited
``denied`` like the hub's other refusals."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from adapters.dsmp import PERIOD_TOO_LONG, SmsLogAccess, handlers
from hub.config.settings import load_settings
from hub.workers import WorkerTestClient
from tests.unit.adapters.dsmp.kit import ACCESS, ANSWER, Dsmp, error_code, query

pytestmark = pytest.mark.unit


def period(start: str, end: str) -> dict[str, str]:
    return {"Period/c:From": start, "Period/c:To": end}


def test_years_of_records_are_refused_before_dsmp_is_asked_and_audited(dsmp: Dsmp) -> None:
    dsmp.route.respond(200, content=ANSWER)
    result = dsmp.client.request(query(fields=period("2023-01-01T00:00:00+08:00", "2026-11-22T23:59:59+08:00")))
    assert error_code(result.reply) == PERIOD_TOO_LONG and not result.dead
    assert dsmp.route.call_count == 0
    (row,) = dsmp.rows()  # the denied row only: no pending row, DSMP was not asked
    assert (row["outcome"], row["rows_returned"]) == ("denied", 0)
    reason = str(row["reason"])
    assert reason.startswith(f"{PERIOD_TOO_LONG}: ")
    assert "2023-01-01T00:00:00+08:00 to 2026-11-22T23:59:59+08:00 covers 1421 days 23:59:59" in reason
    assert "at most 31 days" in reason and "sms_log_max_days" in reason
    assert (row["period_from"], row["period_to"]) == ("2022-12-31T16:00:00.000000+00:00",
                                                      "2026-11-22T15:59:59.000000+00:00")


@pytest.mark.parametrize(("start", "end", "refused"), [
    ("2026-10-23T00:00:00+08:00", "2026-11-23T00:00:00+08:00", False),  # 31 days exactly
    ("2026-10-23T00:00:00+08:00", "2026-11-22T24:00:00+08:00", False),  # the same moment, written T24:00
    ("2026-10-22T23:59:59+08:00", "2026-11-23T00:00:00+08:00", True),   # one second more
    ("2026-10-22T16:00:00Z", "2026-11-23T00:00:00+08:00", False),       # 31 days, in two offsets
])
def test_the_limit_is_the_time_between_the_two_ends(dsmp: Dsmp, start: str, end: str, refused: bool) -> None:
    dsmp.route.respond(200, content=ANSWER)
    result = dsmp.client.request(query(fields=period(start, end)))
    outcomes = [r["outcome"] for r in dsmp.results()]
    if refused:
        assert error_code(result.reply) == PERIOD_TOO_LONG and outcomes == ["denied"]
        assert dsmp.route.call_count == 0
    else:
        assert result.processed and outcomes == ["allowed"]


def test_the_limit_is_configured(dsmp: Dsmp) -> None:
    dsmp.route.respond(200, content=ANSWER)
    week = replace(ACCESS, max_period_days=7)
    client = WorkerTestClient(handlers, consumer="dsmp",
                              dependencies={**dsmp.dependencies, "sms_log_access": week})
    refused = client.request(query(fields=period("2026-11-14T00:00:00+08:00", "2026-11-22T00:00:00+08:00")))
    assert error_code(refused.reply) == PERIOD_TOO_LONG
    assert "covers 8 days; an SMS-log query covers at most 7 days" in str(dsmp.results()[-1]["reason"])
    assert client.request(query("net-bo-liqiang", "cs-sms-00000002",
                                fields=period("2026-11-15T00:00:00+08:00", "2026-11-22T00:00:00+08:00"))).processed


def test_the_role_is_checked_first(dsmp: Dsmp) -> None:
    result = dsmp.client.request(query("cs-agent-0042", fields=period("2023-01-01T00:00:00+08:00",
                                                                      "2026-11-22T23:59:59+08:00")))
    assert error_code(result.reply) == "role-not-allowed"


def test_the_setting_and_its_default(tmp_path: Path) -> None:
    assert SmsLogAccess.from_options({}).max_period_days == 31
    assert SmsLogAccess.from_options(load_settings().adapter("dsmp").options).max_period_days == 31
    path = tmp_path / "hub.toml"
    path.write_text('[adapters.dsmp]\nurl = "http://127.0.0.1:9/"\nsms_log_max_days = 7\n')
    assert SmsLogAccess.from_options(load_settings(path).adapter("dsmp").options).max_period_days == 7


@pytest.mark.parametrize("days", [0, -1, 367, 7.5, "7", True])
def test_a_bad_limit_is_refused_naming_it(days: object) -> None:
    with pytest.raises(ValueError, match=r"sms_log_max_days must be a whole number of days from 1 to 366"):
        SmsLogAccess.from_options({"sms_log_max_days": days})
