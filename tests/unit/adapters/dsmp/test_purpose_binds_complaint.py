"""The purpose binds an SMS-log query to its complaint: the subscriber of the work order (never its contact
number), a work order neither cancelled nor closed long ago, a period within the complaint's. Each refusal is
answered ``c:Error`` naming the rule, audited ``denied`` (DSMP not asked)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from adapters.dsmp import OUTSIDE_COMPLAINT, WORK_ORDER_CANCELLED, WORK_ORDER_CLOSED, SmsLogAccess
from adapters.dsmp.complaint_window import OPERATOR_DAY, ComplaintWindow, check_complaint
from adapters.dsmp.periods import read_moment
from adapters.dsmp.purpose import WorkOrderParties
from adapters.dsmp.refusals import PurposeRefused
from tests.unit.adapters.dsmp.kit import ANSWER, MSISDN, OCCURRED, TAKEN, Dsmp, error_code, query

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
BEFORE, AFTER_CLOSE = timedelta(days=30), timedelta(days=30)


def _denied(dsmp: Dsmp, code: str) -> str:
    (row,) = dsmp.results()
    assert row["outcome"] == "denied" and str(row["reason"]).startswith(f"{code}: ")
    assert dsmp.route.call_count == 0
    return str(row["reason"])


def test_a_cancelled_work_order_justifies_no_query(dsmp: Dsmp) -> None:
    dsmp.work_orders.add("WO20261123CANCEL01", MSISDN, state="CANCELLED", occurred_at=OCCURRED, created_at=TAKEN)
    result = dsmp.client.request(query(fields={"WorkOrderId": "WO20261123CANCEL01"}))
    assert error_code(result.reply) == WORK_ORDER_CANCELLED
    assert "CANCELLED" in _denied(dsmp, WORK_ORDER_CANCELLED)


def test_a_period_long_before_the_complaint_is_refused_naming_the_allowed_period(dsmp: Dsmp) -> None:
    result = dsmp.client.request(query(fields={"Period/c:From": "2025-11-01T00:00:00+08:00",
                                               "Period/c:To": "2025-11-30T00:00:00+08:00"}))
    assert error_code(result.reply) == OUTSIDE_COMPLAINT
    reason = _denied(dsmp, OUTSIDE_COMPLAINT)
    # OccurredAt 2026-11-20T08:40+08 - 31 days, from 00:00 of that day in Asia/Shanghai
    assert "allowed period is from 2026-10-19T16:00:00+00:00" in reason


def test_the_period_may_start_up_to_the_configured_days_before_the_trouble_began(dsmp: Dsmp) -> None:
    dsmp.route.respond(200, content=ANSWER)
    result = dsmp.client.request(query(fields={"Period/c:From": "2026-10-21T08:40:00+08:00",
                                               "Period/c:To": "2026-11-20T23:59:59+08:00"}))
    assert result.processed and [r["outcome"] for r in dsmp.results()] == ["allowed"]


def test_a_work_order_closed_recently_justifies_a_query_within_its_complaint(dsmp: Dsmp) -> None:
    dsmp.route.respond(200, content=ANSWER)
    now = datetime.now(UTC)
    dsmp.work_orders.add("WO20261123CLOSED01", MSISDN, state="CLOSED", occurred_at=now - timedelta(days=6),
                         created_at=now - timedelta(days=5), closed_at=now - timedelta(days=1))
    period = {"Period/c:From": (now - timedelta(days=7)).isoformat(timespec="seconds"),
              "Period/c:To": (now - timedelta(days=2)).isoformat(timespec="seconds")}
    result = dsmp.client.request(query(fields={"WorkOrderId": "WO20261123CLOSED01", **period}))
    assert result.processed and [r["outcome"] for r in dsmp.results()] == ["allowed"]


def test_a_work_order_closed_long_ago_justifies_no_query(dsmp: Dsmp) -> None:
    dsmp.work_orders.add("WO20261123CLOSED02", MSISDN, state="CLOSED", occurred_at=OCCURRED, created_at=TAKEN,
                         closed_at=datetime.now(UTC) - timedelta(days=31))
    result = dsmp.client.request(query(fields={"WorkOrderId": "WO20261123CLOSED02"}))
    assert error_code(result.reply) == WORK_ORDER_CLOSED
    assert "sms_log_days_after_close" in _denied(dsmp, WORK_ORDER_CLOSED)


def _parties(state: str, created_at: datetime, *, occurred_at: datetime | None = None,
             closed_at: datetime | None = None) -> WorkOrderParties:
    return WorkOrderParties(MSISDN, None, state, occurred_at, created_at, closed_at)


def _check(parties: WorkOrderParties, start: str, end: str, now: datetime = NOW) -> None:
    check_complaint(parties, "WO20261123SMS00042", (read_moment(start), read_moment(end)), before=BEFORE,
                    after_close=AFTER_CLOSE, now=now)


def test_a_closed_work_orders_period_ends_at_its_closing() -> None:
    closed = _parties("CLOSED", TAKEN, occurred_at=OCCURRED, closed_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    _check(closed, "2026-11-20T00:00:00+08:00", "2026-11-25T10:00:00+08:00")  # its closing, to the second
    with pytest.raises(PurposeRefused, match=re.escape("to 2026-11-25T02:00:00+00:00 (the work order's closing)")):
        _check(closed, "2026-11-20T00:00:00+08:00", "2026-11-26T00:00:00+08:00")


def test_an_open_work_orders_period_may_not_start_after_now_and_counts_from_its_creation_without_occurred_at() -> None:
    taken = _parties("IN_PROGRESS", TAKEN)
    assert ComplaintWindow.of(taken, BEFORE, NOW).start == datetime(2026, 10, 24, tzinfo=OPERATOR_DAY)  # whole days
    _check(taken, "2026-10-24T00:00:00+08:00", "2026-12-31T23:59:59+08:00")  # its end may lie ahead
    with pytest.raises(PurposeRefused):
        _check(taken, "2026-10-23T23:59:59+08:00", "2026-11-01T00:00:00+08:00")
    with pytest.raises(PurposeRefused, match="starting no later than now"):
        _check(taken, "2026-12-08T00:00:00+08:00", "2026-12-09T00:00:00+08:00")


@pytest.mark.parametrize(("key", "value"), [("sms_log_days_before_complaint", -1),
                                            ("sms_log_days_after_close", 367), ("sms_log_days_after_close", "30")])
def test_the_complaint_windows_days_are_checked_when_read(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=key):
        SmsLogAccess.from_options({key: value})


def test_the_complaint_windows_days_are_read_from_the_settings() -> None:
    access = SmsLogAccess.from_options({"sms_log_days_before_complaint": 7, "sms_log_days_after_close": 0})
    assert (access.before_complaint, access.after_close) == (timedelta(days=7), timedelta(0))
    assert (SmsLogAccess().days_before_complaint, SmsLogAccess().days_after_close) == (31, 30)


def test_the_longest_period_ending_today_fits_a_trouble_that_began_today() -> None:
    """The defaults agree: a query of ``sms_log_max_days`` (31) whole days ending now is within a complaint whose
    trouble began this afternoon (the window starts at 00:00, 31 days before that day)."""
    access = SmsLogAccess()
    began = datetime(2026, 12, 7, 15, 0, tzinfo=OPERATOR_DAY)
    today = _parties("IN_PROGRESS", began)
    now = began + timedelta(hours=1)
    window = ComplaintWindow.of(today, access.before_complaint, now)
    assert window.holds(now - timedelta(days=access.max_period_days), now)
    assert window.holds(datetime(2026, 11, 6, tzinfo=OPERATOR_DAY), now)  # from 00:00 of the day 31 days before
