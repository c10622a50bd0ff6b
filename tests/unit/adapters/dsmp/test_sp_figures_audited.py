"""Every query of the SP complaint figures is audited like an SMS-log query: its ``pending`` row committed before
DSMP is asked, then what came of it; no figures leave without their row (the mission: "every query is audited")."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.routing.broker_router import REPLY_BY
from hub.routing.codec import message_from_envelope
from hub.transport import routing_key
from hub.workers import SendResult
from tests.unit.adapters.dsmp.kit import DSMP, STATS, C, Dsmp, answered, error_code, with_broken_log
from tests.unit.adapters.soap_kit import command

pytestmark = pytest.mark.unit

MESSAGE_ID = "cs-sp-000000001"


def figures(sp_code: str | None = None) -> Envelope:
    """The example QuerySpComplaintStats as the ingress publishes it: who sent it and from where."""
    envelope = command("dsmp/QuerySpComplaintStats.valid.xml", message_id=MESSAGE_ID)
    if sp_code is not None:
        envelope = replace(envelope, payload=envelope.payload.replace(
            b"<dsmp:PageSize>", f"<dsmp:SpCode>{sp_code}</dsmp:SpCode><dsmp:PageSize>".encode(), 1))
    return envelope.with_headers(caller="sp-assessment", peer="192.0.2.44")


def test_the_figures_are_answered_after_their_audit_rows(dsmp: Dsmp) -> None:
    dsmp.route.side_effect = answered(STATS, dsmp.events)
    result = dsmp.client.request(figures())
    assert result.processed and result.reply is not None
    reply = etree.fromstring(result.reply)
    assert reply.tag == f"{{{DSMP}}}QuerySpComplaintStatsResponse"
    assert reply.findtext(f"{{{DSMP}}}Ack/{{{C}}}MessageId") == MESSAGE_ID
    rows = len(reply.findall(f"{{{DSMP}}}Row"))
    assert rows and result.outcome == f"{rows} row(s) of {reply.findtext(f'{{{DSMP}}}Total')}"
    assert dsmp.events == ["audit pending", "dsmp called", "audit allowed"]
    pending, allowed = dsmp.rows()
    assert (pending["outcome"], allowed["outcome"], allowed["rows_returned"]) == ("pending", "allowed", rows)
    for row in (pending, allowed):
        assert (row["caller"], row["peer"], row["message_id"]) == ("sp-assessment", "192.0.2.44", MESSAGE_ID)
        assert (row["msisdn_masked"], row["operator"], row["role"]) == ("", "", "none")
        assert row["purpose"] == "SP complaint figures of every SP"
        assert (row["period_from"], row["period_to"]) == (
            "2026-10-31T16:00:00.000000+00:00", "2026-11-30T15:59:59.000000+00:00")
    assert dsmp.audit_log.verify().intact


def test_the_row_names_the_sp_whose_figures_were_asked(dsmp: Dsmp) -> None:
    dsmp.route.respond(200, content=STATS)
    assert dsmp.client.request(figures("901234")).processed
    assert {row["purpose"] for row in dsmp.rows()} == {"SP complaint figures of SP 901234"}


def test_a_failing_dsmp_is_audited_failed_and_the_query_retried(dsmp: Dsmp) -> None:
    dsmp.route.side_effect = [httpx.Response(503), httpx.Response(200, content=STATS)]
    result = dsmp.client.request(figures())
    assert result.processed and result.attempts == 2
    assert [row["outcome"] for row in dsmp.rows()] == ["pending", "failed", "pending", "allowed"]
    assert "HTTP 503" in str(dsmp.rows()[1]["reason"])


@pytest.mark.parametrize("takes", [0, 1])
def test_no_figures_leave_while_the_log_cannot_take_a_row(dsmp: Dsmp, tmp_path: Path, takes: int) -> None:
    dsmp.route.side_effect = answered(STATS, dsmp.events)
    result, rows = with_broken_log(dsmp, tmp_path, takes, figures())
    assert not result.processed and result.reply is None
    assert result.reason is not None and "audit row not committed" in result.reason
    assert dsmp.route.call_count == takes and rows == ["pending"] * takes


def test_figures_asked_after_their_caller_stopped_waiting_are_not_asked_for(dsmp: Dsmp) -> None:
    envelope = figures()
    message = message_from_envelope(envelope, routing_key("dsmp", envelope.command_type), for_request=True)
    late = message.with_headers(**{REPLY_BY: (datetime.now(UTC) - timedelta(seconds=1)).isoformat()})
    result: SendResult = dsmp.client.send(replace(late, reply_to="amq.rabbitmq.reply-to",
                                                  correlation_id=envelope.message_id))
    assert dsmp.route.call_count == 0 and error_code(result.reply) == "caller-stopped-waiting"
    (row,) = dsmp.rows()
    assert row["outcome"] == "failed" and "DSMP not asked" in str(row["reason"])
