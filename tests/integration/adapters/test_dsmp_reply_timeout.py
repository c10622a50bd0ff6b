"""End to end: an SMS-log query whose caller was told 504 (the dsmp route's reply_timeout passed) is not run for
nobody. Records DSMP answers after the caller stopped waiting are not passed on, an in-process retry after that
does not ask DSMP again: both audited ``failed`` (``the caller stopped waiting``), no row says records were
returned that nobody received; the caller's resend with the same MessageId is run and answered. The hub's ingress
with the built-in routes but a short dsmp reply_timeout, the DSMP adapter's Worker, the DSMP emulator's faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from hub.audit import AuditLog
from hub.config.settings import AuditSettings, load_settings
from hub.routing import RoutingTable
from hub.transport import TopologyConfig
from tests.integration.adapters.conftest import xml_gateway_settings
from tests.integration.adapters.hub_kit import RunningHub
from tests.integration.adapters.test_dsmp_end_to_end import (
    CS_TOKEN,
    DSMP,
    KEY,
    dsmp_worker,
    sms_log_query,
    subscriber_with_records,
    work_order_store,
)

REPLY_TIMEOUT = 3.0
CALLER_GONE = "the caller stopped waiting (reply timeout passed"


@pytest.fixture
def audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AuditSettings:
    config = tmp_path / "audit.toml"
    config.write_text('[audit]\npath = "audit.db"\nkey_env = "TEST_DSMP_AUDIT_KEY"\n')
    monkeypatch.setenv("TEST_DSMP_AUDIT_KEY", KEY)
    return load_settings(config).audit


@pytest.fixture
def hub(running_hub: RunningHub, tmp_path: Path) -> RunningHub:
    """The hub's ingress with the built-in routes, the dsmp route's reply_timeout cut to ``REPLY_TIMEOUT``."""
    text = resources.files("hub.routing").joinpath("default_routes.toml").read_text("utf-8")
    short = text.replace('to = ["dsmp"]\nreply_timeout = 10\n', f'to = ["dsmp"]\nreply_timeout = {REPLY_TIMEOUT}\n')
    assert short != text
    path = tmp_path / "routes.toml"
    path.write_text(short)
    running_hub.router.reload(RoutingTable.load(path, consumers=TopologyConfig().consumers,
                                                command_types=running_hub.registry.command_types()))
    return running_hub


@pytest.fixture
def dsmp(dsmp_emulator: Any) -> Iterator[Any]:
    dsmp_emulator.admin.clear_faults()
    try:
        yield dsmp_emulator
    finally:
        dsmp_emulator.admin.clear_faults()


def rows(audit: AuditSettings, message_id: str, count: int) -> list[dict[str, Any]]:
    """The audit rows of ``message_id`` once there are ``count`` of them (the worker may still be at work)."""
    deadline = time.monotonic() + 20
    while True:
        with AuditLog.open(audit, create=False) as log:
            found = [r.as_dict() for r in log.last(50) if r.as_dict()["message_id"] == message_id]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def asked(dsmp: Any, message_id: str) -> int:
    return sum(1 for e in dsmp.state()["audit"] if e["message_id"] == message_id)


def test_records_dsmp_answers_after_the_caller_got_504_are_not_passed_on_and_the_resend_is_answered(
        hub: RunningHub, dsmp: Any, audit: AuditSettings, tmp_path: Path) -> None:
    window = dsmp.state()["window"]
    msisdn, _ = subscriber_with_records(dsmp, window)
    gateway = xml_gateway_settings("dsmp", dsmp.base_url, connect_timeout=1.0, read_timeout=REPLY_TIMEOUT + 2,
                                   options=hub.settings.adapter("dsmp").options)  # one call may outlast the caller
    query = sms_log_query(msisdn, window, message_id="e2e-late-00000001")
    dsmp.add_fault("latency", "QuerySmsLog", distribution="fixed", seconds=REPLY_TIMEOUT + 1, times=1)
    with dsmp_worker(hub, gateway, audit, work_order_store(tmp_path, msisdn, window)):
        first = hub.post("dsmp", query, token=CS_TOKEN)
        (_, late) = rows(audit, "e2e-late-00000001", 2)  # the pending row committed before DSMP was asked, then
        again = hub.post("dsmp", query, token=CS_TOKEN)
        found = rows(audit, "e2e-late-00000001", 4)
    assert first.status_code == 504, first.text
    assert (late["outcome"], late["rows_returned"]) == ("failed", 0)
    assert str(late["reason"]).startswith(CALLER_GONE) and "not passed on" in str(late["reason"])
    assert again.status_code == 200, again.text
    records = etree.fromstring(again.content).findall(f"{{{DSMP}}}Record")
    assert records
    assert [(r["outcome"], r["rows_returned"]) for r in found] == [("pending", 0), ("failed", 0), ("pending", 0),
                                                                    ("allowed", len(records))]
    assert asked(dsmp, "e2e-late-00000001") == 2  # the late call, then the resend


def test_a_retry_after_the_caller_got_504_does_not_ask_dsmp(hub: RunningHub, dsmp: Any, audit: AuditSettings,
                                                            tmp_path: Path) -> None:
    window = dsmp.state()["window"]
    msisdn, _ = subscriber_with_records(dsmp, window)
    # a call times out after 0.55 of the caller's wait: the second starts well within it (CI's busy machine once
    # started it after: 0.7 left 0.6 s), and ends after it whatever the load, so the third finds the caller gone
    gateway = xml_gateway_settings("dsmp", dsmp.base_url, connect_timeout=1.0, read_timeout=REPLY_TIMEOUT * 0.55,
                                   options=hub.settings.adapter("dsmp").options)
    dsmp.add_fault("latency", "QuerySmsLog", distribution="fixed", seconds=REPLY_TIMEOUT * 2, times=2)
    with dsmp_worker(hub, gateway, audit, work_order_store(tmp_path, msisdn, window)):
        answer = hub.post("dsmp", sms_log_query(msisdn, window, message_id="e2e-late-00000002"), token=CS_TOKEN)
        found = rows(audit, "e2e-late-00000002", 5)
    assert answer.status_code == 504, answer.text
    outcomes = [(r["outcome"], r["rows_returned"]) for r in found]
    # two calls timed out, each after its pending row; the third attempt found its caller gone: no pending row
    assert outcomes == [("pending", 0), ("failed", 0), ("pending", 0), ("failed", 0), ("failed", 0)]
    assert "ReadTimeout" in str(found[1]["reason"]) and str(found[4]["reason"]).startswith(CALLER_GONE)
    assert "DSMP not asked" in str(found[4]["reason"])
