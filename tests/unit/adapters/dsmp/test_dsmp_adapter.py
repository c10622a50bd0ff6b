"""The DSMP adapter: SMS-log queries audited before any record leaves, the role check, DSMP failures, SP figures.

The handler runs through the worker pipeline (``WorkerTestClient``) with respx as DSMP and a real audit log on
a temporary file.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx
from lxml import etree

from adapters.dsmp import DsmpClient, handlers
from adapters.dsmp.mapping import query_document, sms_log_page, sms_log_query
from hub.gateways import CircuitBreakers, XmlGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.dsmp.kit import (
    ACCESS,
    ANSWER,
    BASE_URL,
    DSMP,
    C,
    Dsmp,
    WatchedAuditLog,
    answered,
    query,
    with_broken_log,
    work_orders,
)
from tests.unit.adapters.soap_kit import registry, settings
from tests.unit.audit.kit import tamper

pytestmark = pytest.mark.unit


def test_the_query_facts_and_the_stated_purpose() -> None:
    found = sms_log_query(query())
    assert (found.msisdn, found.operator, found.operator_ip, found.work_order_id) == (
        "13501105566", "net-bo-liqiang", "10.212.34.17", "WO20261123SMS00042")
    assert found.period()[0].at == datetime.fromisoformat("2026-11-20T00:00:00+08:00")
    assert (found.caller, found.peer) == (None, None)  # no ingress put its headers on this one
    assert found.stated_purpose == ("WO20261123SMS00042: Customer says bank SMS codes from 95588 did not arrive "
                                    "(approval SEC-2026-1123-009)")
    sent = query_document(query(), datetime(2026, 11, 23, tzinfo=UTC))
    assert sent.findtext(f"{{{DSMP}}}Header/{{{C}}}SourceSystem") == "HUB"
    assert sms_log_page(etree.fromstring(ANSWER)).rows == len(etree.fromstring(ANSWER).findall(f"{{{DSMP}}}Record"))


def test_an_allowed_query_is_audited_before_its_records_are_answered(dsmp: Dsmp) -> None:
    dsmp.route.side_effect = answered(ANSWER, dsmp.events)
    result = dsmp.client.request(query())
    assert result.processed and result.reply is not None
    reply = etree.fromstring(result.reply)
    records = reply.findall(f"{{{DSMP}}}Record")
    assert records and reply.findtext(f"{{{DSMP}}}Ack/{{{C}}}MessageId") == "cs-sms-00000001"
    # a pending row committed before DSMP is asked, the result row before the handler answers
    assert dsmp.events == ["audit pending", "dsmp called", "audit allowed"]
    pending, row = dsmp.rows()
    assert (pending["outcome"], pending["rows_returned"], pending["message_id"]) == ("pending", 0, "cs-sms-00000001")
    assert row == {**row, "operator": "net-bo-liqiang", "role": "network-backoffice", "client_address": "10.212.34.17",
                   "msisdn_masked": "*******5566", "rows_returned": len(records), "outcome": "allowed",
                   "message_id": "cs-sms-00000001", "period_from": "2026-11-19T16:00:00.000000+00:00"}
    assert str(row["purpose"]).startswith("WO20261123SMS00042: ")
    assert dsmp.audit_log.verify().intact


@pytest.mark.parametrize(("account", "role"), [("stranger-01", "none"), ("cs-agent-0042", "customer-service")])
def test_a_denied_query_is_audited_and_refused_without_asking_dsmp(dsmp: Dsmp, account: str, role: str) -> None:
    result = dsmp.client.request(query(account))
    assert result.reply is not None and not result.dead
    error = etree.fromstring(result.reply)
    assert (error.tag, error.findtext(f"{{{C}}}Code")) == (f"{{{C}}}Error", "role-not-allowed")
    assert dsmp.route.call_count == 0
    (row,) = dsmp.rows()
    assert (row["outcome"], row["role"], row["rows_returned"], row["operator"]) == ("denied", role, 0, account)
    assert "may not query SMS logs" in str(row["reason"])


def test_no_record_leaves_when_the_audit_row_cannot_be_committed(dsmp: Dsmp, tmp_path: Path) -> None:
    dsmp.route.respond(200, content=ANSWER)
    dsmp.client.request(query(message_id="cs-sms-00000001"))
    tamper(tmp_path / "audit.db", "DELETE FROM audit_log")  # the rows removed: the tail no longer matches the anchor
    result = dsmp.client.request(query(message_id="cs-sms-00000002"))
    assert result.dead and result.attempts == 1 and result.reply is None
    assert result.reason is not None and "audit log integrity" in result.reason
    assert dsmp.audit_log.count() == 0
    assert dsmp.route.call_count == 1  # the query whose pending row was refused never reached DSMP


@pytest.mark.parametrize("takes", [0, 1])
def test_dsmp_is_not_asked_again_while_the_log_cannot_take_a_row(dsmp: Dsmp, tmp_path: Path, takes: int) -> None:
    """Every attempt (in-process retries, delay tiers) needs its own pending row committed before DSMP is asked:
    with none (``takes`` 0) DSMP is never asked; with the pending row only (1), it is asked once and its records
    are not passed on, nor is it asked again."""
    dsmp.route.side_effect = answered(ANSWER, dsmp.events)
    result, rows = with_broken_log(dsmp, tmp_path, takes, query())
    assert not result.processed and result.attempts > 1 and result.reply is None
    assert result.reason is not None and "audit row not committed" in result.reason
    assert dsmp.route.call_count == takes
    assert rows == ["pending"] * takes
    assert [e for e in dsmp.events if not e.endswith("refused")] == ["audit pending", "dsmp called"][:2 * takes]


def test_a_failing_dsmp_is_audited_as_failed_and_retried(dsmp: Dsmp) -> None:
    dsmp.route.side_effect = [httpx.Response(503), httpx.Response(200, content=ANSWER)]
    result = dsmp.client.request(query())
    assert result.processed and result.attempts == 2
    assert [(r["outcome"], r["message_id"]) for r in dsmp.rows()] == [
        ("pending", "cs-sms-00000001"), ("failed", "cs-sms-00000001"),
        ("pending", "cs-sms-00000001"), ("allowed", "cs-sms-00000001")]
    assert "HTTP 503" in str(dsmp.rows()[1]["reason"])


def test_a_query_held_back_by_dsmps_open_circuit_waits_then_is_audited_once_answered(
        tmp_path: Path) -> None:
    events: list[str] = []
    with respx.mock(assert_all_called=False) as router:
        route = router.post(BASE_URL)
        route.side_effect = [httpx.Response(503), httpx.Response(200, content=ANSWER)]
        gateway = XmlGateway(replace(settings("dsmp"), breaker_fail_max=1, breaker_reset_seconds=0.05),
                             registry().get("dsmp"), breakers=CircuitBreakers())
        audit_log = WatchedAuditLog(tmp_path / "audit.db", events)
        deps = {"dsmp": DsmpClient(gateway), "audit_log": audit_log, "sms_log_access": ACCESS,
                "work_orders": work_orders()}
        client = WorkerTestClient(handlers, consumer="dsmp", dependencies=deps)
        try:
            result = client.request(query(), on_wait=time.sleep)  # the 503 opens the circuit; the retry waits
            rows = [(r.as_dict()["outcome"], r.as_dict()["message_id"]) for r in audit_log.last(100)]
        finally:
            gateway.close()
            audit_log.close()
    assert result.processed and result.waits >= 1 and route.call_count == 2
    # every attempt has its pending row; one held back by the open circuit is failed, DSMP not asked
    outcomes = [outcome for outcome, message_id in rows if message_id == "cs-sms-00000001"]
    assert outcomes == ["pending", "failed"] * (1 + result.waits) + ["pending", "allowed"]


def test_a_query_dsmp_refuses_is_answered_with_its_refusal_and_audited(dsmp: Dsmp) -> None:
    dsmp.route.respond(400, text="invalid-period")
    result = dsmp.client.request(query())
    assert result.reply is not None and result.attempts == 1
    error = etree.fromstring(result.reply)
    assert error.findtext(f"{{{C}}}Code") == "dsmp-refused"
    assert [r["outcome"] for r in dsmp.rows()] == ["pending", "failed"]
