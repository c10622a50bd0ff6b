"""No SMS-log query without its audit row, whatever it holds: odd but valid periods, a period that ends before it
starts, a purpose naming no work order or another customer's, a failure before DSMP is asked; numbers masked
however written (rows and logs); the caller the hub authenticated and its address in the row."""

from __future__ import annotations

import logging

import pytest

from adapters.dsmp import INVALID_PERIOD, OTHER_CUSTOMER, PERIOD_TOO_LONG, UNKNOWN_WORK_ORDER
from adapters.dsmp.handlers import query_sms_log
from hub.routing.codec import message_from_envelope
from hub.workers import HandlerContext
from tests.unit.adapters.dsmp.kit import ANSWER, DSMP, MSISDN, C, Dsmp, answered, error_code, query

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("start", "end", "audited", "too_long"), [
    ("2026-10-23T00:00:00+08:00", "2026-11-22T24:00:00+08:00",
     ("2026-10-22T16:00:00.000000+00:00", "2026-11-22T16:00:00.000000+00:00"), False),
    ("0001-01-01T00:00:00+08:00", "2026-11-22T23:59:59+08:00",
     ("0001-01-01T00:00:00.000000+08:00", "2026-11-22T15:59:59.000000+00:00"), True),
    ("2026-10-20T00:00:00+08:00", "9999-12-31T23:59:59-08:00",
     ("2026-10-19T16:00:00.000000+00:00", "9999-12-31T23:59:59.000000-08:00"), True),
    ("-0001-01-01T00:00:00Z", "10000-01-01T00:00:00Z", ("-0001-01-01T00:00:00Z", "10000-01-01T00:00:00Z"), True),
])
@pytest.mark.parametrize("account", ["net-bo-liqiang", "cs-agent-0042"])
def test_odd_but_valid_periods_are_audited_like_any_other(dsmp: Dsmp, start: str, end: str,
                                                          audited: tuple[str, str], too_long: bool,
                                                          account: str) -> None:
    dsmp.route.side_effect = answered(ANSWER, dsmp.events)
    result = dsmp.client.request(query(account, fields={"Period/c:From": start, "Period/c:To": end}))
    (row,) = dsmp.results()
    assert (row["period_from"], row["period_to"]) == audited
    if account.startswith("net-bo-") and too_long:  # longer than [adapters.dsmp] sms_log_max_days (31)
        assert error_code(result.reply) == PERIOD_TOO_LONG and row["outcome"] == "denied"
        assert dsmp.route.call_count == 0
    elif account.startswith("net-bo-"):
        assert result.processed and row["outcome"] == "allowed"
        assert dsmp.events == ["audit pending", "dsmp called", "audit allowed"]
    else:
        assert error_code(result.reply) == "role-not-allowed" and row["outcome"] == "denied"
        assert dsmp.route.call_count == 0


def test_the_end_of_a_day_is_sent_to_dsmp_as_the_next_midnight(dsmp: Dsmp) -> None:
    dsmp.route.respond(200, content=ANSWER)
    dsmp.client.request(query(fields={"Period/c:To": "2026-11-22T24:00:00+08:00"}))
    (sent,) = dsmp.sent()
    assert sent.findtext(f"{{{DSMP}}}Period/{{{C}}}To") == "2026-11-23T00:00:00+08:00"


def test_a_period_that_ends_before_it_starts_is_refused_and_audited(dsmp: Dsmp) -> None:
    result = dsmp.client.request(query(fields={"Period/c:From": "2026-11-22T00:00:00+08:00",
                                               "Period/c:To": "2026-11-01T00:00:00+08:00"}))
    assert error_code(result.reply) == INVALID_PERIOD and not result.dead
    assert dsmp.route.call_count == 0
    (row,) = dsmp.results()
    assert row["outcome"] == "denied" and "ends (2026-11-01T00:00:00+08:00) before it starts" in str(row["reason"])


def test_a_purpose_naming_no_work_order_of_the_hubs_is_refused_and_audited(dsmp: Dsmp) -> None:
    result = dsmp.client.request(query(fields={"WorkOrderId": "WO20991231NOSUCH00", "Purpose": "just curious"}))
    assert error_code(result.reply) == UNKNOWN_WORK_ORDER
    assert dsmp.route.call_count == 0
    (row,) = dsmp.results()
    assert (row["outcome"], row["rows_returned"]) == ("denied", 0)
    assert str(row["reason"]).startswith(f"{UNKNOWN_WORK_ORDER}: ") and "WO20991231NOSUCH00" in str(row["reason"])
    assert row["purpose"] == "WO20991231NOSUCH00: just curious (approval SEC-2026-1123-009)"


def test_a_work_order_of_another_customer_is_no_purpose(dsmp: Dsmp) -> None:
    dsmp.work_orders.add("WO20261123OTHER001", "13912345678", "0755-83765432")
    result = dsmp.client.request(query(fields={"WorkOrderId": "WO20261123OTHER001"}))
    assert error_code(result.reply) == OTHER_CUSTOMER
    assert dsmp.route.call_count == 0 and [r["outcome"] for r in dsmp.results()] == ["denied"]
    assert MSISDN not in str(dsmp.results()[0]["reason"])


def test_the_contact_number_of_the_work_order_is_no_subscriber_of_its_complaint(dsmp: Dsmp) -> None:
    """The contact number may be anyone's (a neighbour's, a relative's): its records are not the complaint's."""
    dsmp.work_orders.add("WO20261123CONTACT1", "13912345678", "+86 135-0110-5566")
    result = dsmp.client.request(query(fields={"WorkOrderId": "WO20261123CONTACT1"}))
    assert error_code(result.reply) == OTHER_CUSTOMER and dsmp.route.call_count == 0
    (row,) = dsmp.results()
    assert row["outcome"] == "denied" and "a contact number given with it does not count" in str(row["reason"])


def test_any_failure_before_dsmp_is_asked_is_audited_as_failed(dsmp: Dsmp, monkeypatch: pytest.MonkeyPatch) -> None:
    def gone(work_order_id: str) -> None:
        raise RuntimeError("the work-order database is gone")

    monkeypatch.setattr(dsmp.work_orders, "parties", gone)
    result = dsmp.client.request(query())
    assert result.reply is None and dsmp.route.call_count == 0
    rows = dsmp.results()
    assert rows and {r["outcome"] for r in rows} == {"failed"}  # one row per attempt
    assert all(r["reason"] == "RuntimeError: the work-order database is gone" for r in rows)


def test_an_unreadable_query_is_audited_as_failed(dsmp: Dsmp) -> None:
    broken = query()
    broken = type(broken)(message_id=broken.message_id, command_type=broken.command_type,
                          source_system=broken.source_system, payload=b"<not-xml", headers={"caller": "cs-frontend"})
    result = dsmp.client.request(broken)
    assert result.dead and dsmp.route.call_count == 0
    (row,) = dsmp.results()
    assert (row["outcome"], row["caller"]) == ("failed", "cs-frontend")
    assert str(row["reason"]).startswith("ValueError: QuerySmsLog unreadable")


@pytest.mark.parametrize("written", ["135-0110-5566", "+86 135 0110 5566",
                                     "\uff11\uff13\uff15\uff10\uff11\uff11\uff10\uff15\uff15\uff16\uff16"])
def test_the_number_is_masked_however_written_in_the_row_and_in_the_logs(
        dsmp: Dsmp, written: str, caplog: pytest.LogCaptureFixture) -> None:
    dsmp.route.respond(200, content=ANSWER)
    caplog.set_level(logging.DEBUG)
    for account, message_id in (("net-bo-liqiang", "cs-13501105566-0001"), ("cs-135-0110-5566", "cs-135-0110-5566")):
        dsmp.client.request(query(account, message_id, fields={"Purpose": f"caller {written} says codes missing"}))
    rows = dsmp.results()
    assert [r["outcome"] for r in rows] == ["allowed", "denied"]
    assert [r["message_id"] for r in rows] == ["cs-*******5566-0001", "cs-*******5566"]
    assert rows[0]["purpose"] == ("WO20261123SMS00042: caller *******5566 says codes missing (approval "
                                  "SEC-2026-1123-009)") or "*********5566" in str(rows[0]["purpose"])
    for row in rows:
        for value in row.values():
            digits = "".join(ch for ch in str(value) if ch.isdigit())
            assert "13501105566" not in digits and "1350110" not in digits, value
    adapter_logs = [r for r in caplog.records if r.name == "onepoint.adapters.dsmp"]
    assert adapter_logs
    for record in adapter_logs:
        # the record's texts, not its clock and thread numbers (relativeCreated 610410.4011... holds "0110")
        text = record.getMessage() + " " + " ".join(str(v) for v in vars(record).values()
                                                    if not isinstance(v, int | float))
        assert "0110" not in text and "１３５" not in text, text


def test_the_row_names_the_authenticated_caller_and_its_address(dsmp: Dsmp) -> None:
    dsmp.route.respond(200, content=ANSWER)
    dsmp.client.request(query(headers={"caller": "cs-frontend", "peer": "192.0.2.44"}))
    dsmp.client.request(query(message_id="cs-sms-00000002", headers={"caller": "cs-frontend"}))  # an older hub
    rows = dsmp.results()
    assert [(r["operator"], r["client_address"], r["caller"], r["peer"]) for r in rows] == [
        ("net-bo-liqiang", "10.212.34.17", "cs-frontend", "192.0.2.44"),
        ("net-bo-liqiang", "10.212.34.17", "cs-frontend", "unknown")]
    assert dsmp.audit_log.verify().intact


def test_a_repeated_delivery_is_audited_again(dsmp: Dsmp) -> None:
    """The worker runs the handler again for a message delivered again (no answer kept for SMS logs)."""
    dsmp.route.respond(200, content=ANSWER)
    for _ in range(2):
        sent = query()
        context = HandlerContext("dsmp", 1, message_from_envelope(sent, "dsmp.dsmp.QuerySmsLog", for_request=True))
        query_sms_log(sent, **dsmp.dependencies, context=context)
    assert [(r["message_id"], r["outcome"]) for r in dsmp.results()] == [("cs-sms-00000001", "allowed")] * 2
