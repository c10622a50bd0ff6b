"""What a caller learns when an XML system refuses: the real DSMP emulator over HTTP answers 400 with its c:Error
(code, message); the gateway keeps both, and the DSMP adapter's answer to the caller (``dsmp-refused``) says why,
instead of a bare "HTTP 400 Bad Request"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from adapters.dsmp import DsmpClient, handlers
from hub.audit import AuditLog, ChainKey, SQLiteAuditStorage
from hub.gateways import CircuitBreakers, SystemRefused, XmlGateway
from hub.workers import WorkerTestClient
from tests.integration.adapters.conftest import envelope, xml_gateway_settings
from tests.unit.adapters.soap_kit import example, registry

pytestmark = pytest.mark.integration
C = "urn:onepoint:common:1"
REVERSED = (example("dsmp/QuerySmsLog.valid.xml")
            .replace(b"<c:From>2026-11-20T00:00:00+08:00</c:From>", b"<c:From>2026-11-23T00:00:00+08:00</c:From>"))
TOO_LONG = example("dsmp/QuerySpComplaintStats.valid.xml").replace(b"2026-11-", b"2024-11-", 1)


def test_the_gateway_keeps_the_code_and_message_dsmp_refused_with(dsmp_emulator: Any) -> None:
    with XmlGateway(xml_gateway_settings("dsmp", dsmp_emulator.base_url), registry().get("dsmp"),
                    breakers=CircuitBreakers()) as dsmp, pytest.raises(SystemRefused) as refused:
        dsmp.post("QuerySmsLog", REVERSED)
    assert (refused.value.code, refused.value.error_code) == ("400", "invalid-period")
    assert refused.value.detail == "invalid-period: the period ends before it starts"


def test_the_caller_is_answered_with_dsmps_reason(dsmp_emulator: Any, tmp_path: Path) -> None:
    gateway = XmlGateway(xml_gateway_settings("dsmp", dsmp_emulator.base_url), registry().get("dsmp"),
                         breakers=CircuitBreakers())
    key = ChainKey(b"gateway-refusals-test-key-0123456789", "t")
    audit_log = AuditLog(SQLiteAuditStorage(tmp_path / "audit.db"), key)
    others = {name: None for spec in handlers.for_consumer("dsmp") for name in spec.dependencies}  # the SMS-log
    client = WorkerTestClient(handlers, consumer="dsmp",  # query's, not asked for the SP figures
                              dependencies={**others, "dsmp": DsmpClient(gateway), "audit_log": audit_log})
    try:
        result = client.request(envelope(TOO_LONG, "dsmp.QuerySpComplaintStats"))
        outcomes = [record.as_dict()["outcome"] for record in audit_log.last(10)]
    finally:
        gateway.close()
        audit_log.close()
    assert outcomes == ["pending", "failed"]  # the figures are audited too, refused ones included
    assert result.reply is not None
    error = etree.fromstring(result.reply)
    assert (error.findtext(f"{{{C}}}Code"), error.findtext(f"{{{C}}}Message")) == (
        "dsmp-refused", "DSMP refused QuerySpComplaintStats: period-too-long: statistics cover at most 366 days")
