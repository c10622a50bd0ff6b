"""SMS-log queries whose answer may not (or cannot) reach the caller still leave their audit row, and no records
pass: a query DSMP throttled (it was asked: audited ``failed``, then it waits), a page larger than asked or
holding a conversation the queried number is no party to (``InvalidAnswer``, audited ``failed``), and a query
whose caller stopped waiting (the ingress's ``x-onepoint-reply-by`` passed: DSMP is not asked, or its late
records are not passed on)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from lxml import etree

from adapters.dsmp.handlers import query_sms_log
from hub.config.settings import load_settings
from hub.envelope import Envelope
from hub.routing import RoutingTable
from hub.routing.broker_router import REPLY_BY
from hub.routing.codec import message_from_envelope
from hub.transport import TopologyConfig, routing_key
from hub.validation import CommandSetRegistry
from hub.workers import SendResult
from hub.workers.registry import HandlerContext
from tests.unit.adapters.dsmp.kit import ANSWER, DSMP, MSISDN, Dsmp, answered, error_code, query

pytestmark = pytest.mark.unit

CALLER_GONE = "the caller stopped waiting (reply timeout passed"
OTHER_PARTY = "13912345678"  # a subscriber the query does not name


def page(*, records: int | None = None, foreign: bool = False) -> bytes:
    """The example answer (3 records of ``MSISDN``), cut to ``records``; ``foreign``: its first record between
    95588 and another subscriber."""
    document = etree.fromstring(ANSWER)
    found = document.findall(f"{{{DSMP}}}Record")
    for extra in found[records:] if records is not None else []:
        document.remove(extra)
    if foreign:
        called = found[0].find(f"{{{DSMP}}}CalledNumber")
        assert called is not None and called.text == MSISDN
        called.text = OTHER_PARTY
    body: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    return body


def with_page_size(envelope: Envelope, size: int) -> Envelope:
    payload = envelope.payload.replace(b"<dsmp:PageSize>100</dsmp:PageSize>", f"<dsmp:PageSize>{size}</dsmp:PageSize>"
                                       .encode())
    assert f"<dsmp:PageSize>{size}</dsmp:PageSize>".encode() in payload
    return replace(envelope, payload=payload)


def request(dsmp: Dsmp, envelope: Envelope, reply_by: datetime | None) -> SendResult:
    """``envelope`` as the ingress publishes a request: a reply-to, and the time its caller stops waiting."""
    message = message_from_envelope(envelope, routing_key("dsmp", envelope.command_type), for_request=True)
    if reply_by is not None:
        message = message.with_headers(**{REPLY_BY: reply_by.isoformat(timespec="milliseconds")})
    return dsmp.client.send(replace(message, reply_to="amq.rabbitmq.reply-to", correlation_id=envelope.message_id))


def outcomes(dsmp: Dsmp) -> list[tuple[object, object]]:
    return [(r["outcome"], r["rows_returned"]) for r in dsmp.results()]


def test_a_query_dsmp_throttled_was_asked_so_it_is_audited_failed_and_waits(dsmp: Dsmp) -> None:
    dsmp.route.respond(429, headers={"Retry-After": "30"})
    result = dsmp.client.request(query())
    assert dsmp.route.call_count == 1 and result.waiting_copy is not None  # it waits, as DSMP asked
    (row,) = dsmp.results()
    assert (row["outcome"], row["message_id"], row["rows_returned"]) == ("failed", "cs-sms-00000001", 0)
    assert "SystemThrottled" in str(row["reason"]) and "429" in str(row["reason"])
    assert dsmp.audit_log.verify().intact


@pytest.mark.parametrize(("asked", "answer", "why"), [
    (2, page(), "3 records on a page of at most 2"),
    (100, page(foreign=True), "*******5678"),
    (2, page(records=2, foreign=True), "*******5678"),
])
def test_a_page_that_does_not_answer_the_query_is_refused_and_audited_failed(
        dsmp: Dsmp, asked: int, answer: bytes, why: str) -> None:
    dsmp.route.side_effect = answered(answer, dsmp.events)
    result = dsmp.client.request(with_page_size(query(), asked))
    assert result.dead and result.attempts == 1  # InvalidAnswer: permanent
    assert result.reason is not None and "invalid answer" in result.reason
    assert result.reply is None or not etree.fromstring(result.reply).findall(f"{{{DSMP}}}Record")
    (row,) = dsmp.results()
    assert (row["outcome"], row["rows_returned"]) == ("failed", 0)
    reason = str(row["reason"])
    assert reason.startswith("InvalidAnswer: ") and why in reason
    assert OTHER_PARTY not in reason and MSISDN not in reason  # numbers masked
    assert dsmp.events == ["audit pending", "dsmp called", "audit failed"]


def test_a_page_of_the_queried_number_written_with_the_country_code_is_answered(dsmp: Dsmp) -> None:
    dsmp.route.side_effect = answered(ANSWER.replace(f">{MSISDN}<".encode(), f">86{MSISDN}<".encode(), 1),
                                      dsmp.events)
    result = dsmp.client.request(with_page_size(query(), 3))
    assert result.processed and outcomes(dsmp) == [("allowed", 3)]


def test_a_query_whose_caller_stopped_waiting_is_audited_failed_and_dsmp_is_not_asked(dsmp: Dsmp) -> None:
    dsmp.route.side_effect = answered(ANSWER, dsmp.events)
    result = request(dsmp, query(), datetime.now(UTC) - timedelta(seconds=1))
    assert dsmp.route.call_count == 0 and [r["outcome"] for r in dsmp.rows()] == ["failed"]  # no pending row
    assert result.processed and error_code(result.reply) == "caller-stopped-waiting"  # an answer to nobody
    (row,) = dsmp.results()
    assert (row["outcome"], row["rows_returned"]) == ("failed", 0)
    assert str(row["reason"]).startswith(CALLER_GONE)


def test_records_dsmp_answers_after_the_caller_stopped_waiting_are_not_passed_on(dsmp: Dsmp) -> None:
    def late(request: httpx.Request) -> httpx.Response:
        time.sleep(0.6)
        return httpx.Response(200, content=ANSWER)

    dsmp.route.side_effect = late
    result = request(dsmp, query(), datetime.now(UTC) + timedelta(seconds=0.3))
    assert dsmp.route.call_count == 1  # asked in time, answered too late
    assert error_code(result.reply) == "caller-stopped-waiting"
    (row,) = dsmp.results()
    assert (row["outcome"], row["rows_returned"]) == ("failed", 0)
    assert str(row["reason"]).startswith(CALLER_GONE) and "3 record(s)" in str(row["reason"])


def test_a_query_whose_caller_still_waits_is_answered(dsmp: Dsmp) -> None:
    dsmp.route.side_effect = answered(ANSWER, dsmp.events)
    result = request(dsmp, query(), datetime.now(UTC) + timedelta(seconds=30))
    assert result.processed and result.reply is not None
    assert len(etree.fromstring(result.reply).findall(f"{{{DSMP}}}Record")) == 3
    assert outcomes(dsmp) == [("allowed", 3)]


def test_a_retry_after_the_caller_stopped_waiting_does_not_ask_dsmp_again(dsmp: Dsmp) -> None:
    reply_by = datetime.now(UTC) + timedelta(seconds=0.3)

    def slow_failure(request: httpx.Request) -> httpx.Response:
        time.sleep(0.5)
        return httpx.Response(503)

    dsmp.route.side_effect = slow_failure
    result = request(dsmp, query(), reply_by)
    assert dsmp.route.call_count == 1  # the in-process retry found its caller gone
    assert error_code(result.reply) == "caller-stopped-waiting"
    assert [r["outcome"] for r in dsmp.results()] == ["failed", "failed"]
    assert "HTTP 503" in str(dsmp.results()[0]["reason"]) and str(dsmp.results()[1]["reason"]).startswith(CALLER_GONE)


def test_the_handler_reads_the_time_its_caller_stops_waiting_from_its_context(dsmp: Dsmp) -> None:
    envelope = query()
    message = message_from_envelope(envelope, "dsmp.dsmp.QuerySmsLog", for_request=True).with_headers(
        **{REPLY_BY: (datetime.now(UTC) - timedelta(seconds=5)).isoformat()})
    with pytest.raises(Exception, match="caller stopped waiting"):
        query_sms_log(envelope, **dsmp.dependencies, context=HandlerContext("dsmp", 1, message))
    assert dsmp.route.call_count == 0


@pytest.mark.parametrize("command_type", ["dsmp.QuerySmsLog", "dsmp.QuerySpComplaintStats"])
def test_one_slow_dsmp_call_still_ends_before_the_caller_stops_waiting(command_type: str) -> None:
    """The built-in settings: a call DSMP answers at the read timeout can still be answered to its caller."""
    settings = load_settings()
    routes = RoutingTable.load(None, consumers=TopologyConfig().consumers,
                               command_types=CommandSetRegistry.installed(detailed=False).command_types())
    decision = routes.decision(Envelope("cs-sms-000000000001", command_type, "CS", b"<q/>"))
    assert decision.request is not None and decision.request.reply_timeout is not None
    dsmp = settings.adapter("dsmp")
    assert dsmp.connect_timeout + dsmp.read_timeout < decision.request.reply_timeout
