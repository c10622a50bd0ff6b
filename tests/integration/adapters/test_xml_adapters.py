"""The NSP, DSMP and OA adapters in a real Worker against their real emulators over HTTP (faults injected at
the emulator), on memory:// and on RabbitMQ: transient failures retried without doing anything twice, refusals
answered, a failing system's circuit opened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from lxml import etree

import adapters.dsmp as dsmp_adapter
import adapters.nsp as nsp_adapter
import adapters.oa as oa_adapter
from hub.audit import AuditLog
from hub.config.adapters import AdapterSettings
from hub.config.settings import AuditSettings, HubSettings, load_settings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.routing.factory import load_routing_table
from hub.routing.outbound import BrokerOutbound
from hub.store import ProcessedStore
from hub.transport import Broker
from hub.validation import CommandSetRegistry, DocumentValidator
from hub.workers import DeadLetterQueues, RetryPolicy, Worker
from tests.integration.adapters.conftest import ask, envelope, publish, wait_until, xml_gateway_settings
from tests.support.processed_keys import key_of
from tests.unit.adapters.soap_kit import example

DSMP = "urn:onepoint:dsmp:1"
C = "urn:onepoint:common:1"
KEY = "xml-adapters-audit-key-0123456789abcdef"


def dsmp_work_orders() -> dict[str, Any]:
    """The DSMP adapter's purpose check: the example query's work order is a complaint of its subscriber."""
    orders = dsmp_adapter.InMemoryWorkOrders()
    orders.add("WO20261123SMS00042", "13501105566")
    return {"work_orders": orders}


@contextmanager
def worker(module: ModuleType, broker: Broker, store: ProcessedStore, gateway: AdapterSettings,
           breakers: CircuitBreakers, metrics: Metrics, options: dict[str, Any] | None = None,
           **settings: Any) -> Iterator[dict[str, Any]]:
    configured = HubSettings(adapters=(gateway,), **settings)
    deps = module.dependencies(configured, breakers=breakers, metrics=metrics, **(options or {}))
    registry = CommandSetRegistry.installed(detailed=False)
    outbound = BrokerOutbound(broker, load_routing_table(configured, registry, broker), DocumentValidator(registry))
    try:
        with Worker(broker, module.CONSUMER, module.handlers, store=store, dependencies=deps, metrics=metrics,
                    policy=RetryPolicy(initial=0.0), outbound=outbound):
            yield deps
    finally:
        module.close(deps)


@pytest.fixture
def audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AuditSettings:
    monkeypatch.setenv("TEST_XML_AUDIT_KEY", KEY)
    return AuditSettings(path=tmp_path / "audit.db", key_env="TEST_XML_AUDIT_KEY")


def test_a_dispatch_nsp_failed_once_opens_one_ticket(broker: Broker, store: ProcessedStore, nsp_emulator: Any,
                                                     breakers: CircuitBreakers, metrics: Metrics) -> None:
    nsp_emulator.add_fault("error", "NetworkComplaintDispatch", times=1, status=503)
    sent = envelope(example("nsp/NetworkComplaintDispatch.valid.xml"), "nsp.NetworkComplaintDispatch")
    with worker(nsp_adapter, broker, store, xml_gateway_settings("nsp", nsp_emulator.base_url), breakers, metrics):
        publish(broker, "nsp", sent)
        wait_until(lambda: store.outcome(key_of("nsp", sent)) is not None, "the ticket")
    (ticket,) = nsp_emulator.state()["tickets"]
    assert store.outcome(key_of("nsp", sent)) == f"ticket {ticket['ticket_id']}"
    assert len(nsp_emulator.journal(operation="NetworkComplaintDispatch")) == 2
    assert metrics.value("onepoint_gateway_call_seconds_count", system="nsp", outcome="transient") == 1


def test_sms_log_query_failed_at_dsmp_is_audited_then_answered(
        broker: Broker, store: ProcessedStore, dsmp_emulator: Any, breakers: CircuitBreakers, metrics: Metrics,
        audit: AuditSettings) -> None:
    dsmp_emulator.add_fault("reset", "QuerySmsLog", times=1)
    window = dsmp_emulator.state()["window"]
    document = (example("dsmp/QuerySmsLog.valid.xml")
                .replace(b"2026-11-20T00:00:00+08:00", window["from"].encode())
                .replace(b"2026-11-22T23:59:59+08:00", window["to"].encode()))
    gateway = xml_gateway_settings("dsmp", dsmp_emulator.base_url, options=load_settings().adapter("dsmp").options)
    # as the ingress admits it: the built-in operator_roles bind net-bo-* to the caller cs-frontend
    sent = envelope(document, "dsmp.QuerySmsLog").with_headers(caller="cs-frontend")
    with worker(dsmp_adapter, broker, store, gateway, breakers, metrics, dsmp_work_orders(), audit=audit):
        answer = etree.fromstring(ask(broker, "dsmp", sent))
    assert answer.tag == f"{{{DSMP}}}QuerySmsLogResponse"
    with AuditLog.open(audit, create=False) as log:
        rows = [(r.as_dict()["outcome"], r.as_dict()["rows_returned"]) for r in log.last(10)]
        assert log.verify().intact
    # each attempt's pending row is committed before DSMP is asked, its outcome after
    records = len(answer.findall(f"{{{DSMP}}}Record"))
    assert rows == [("pending", 0), ("failed", 0), ("pending", 0), ("allowed", records)]


def test_sp_complaint_figures_come_from_dsmp_audited_and_a_refused_period_is_answered(
        broker: Broker, store: ProcessedStore, dsmp_emulator: Any, breakers: CircuitBreakers, metrics: Metrics,
        audit: AuditSettings) -> None:
    gateway = xml_gateway_settings("dsmp", dsmp_emulator.base_url)
    stats = envelope(example("dsmp/QuerySpComplaintStats.valid.xml"), "dsmp.QuerySpComplaintStats")
    too_long = envelope(example("dsmp/QuerySpComplaintStats.valid.xml").replace(b"2026-11-", b"2024-11-", 1),
                        "dsmp.QuerySpComplaintStats")
    with worker(dsmp_adapter, broker, store, gateway, breakers, metrics, dsmp_work_orders(), audit=audit):
        answer = etree.fromstring(ask(broker, "dsmp", stats))
        refused = etree.fromstring(ask(broker, "dsmp", too_long))
    assert answer.tag == f"{{{DSMP}}}QuerySpComplaintStatsResponse"
    assert answer.findtext(f"{{{DSMP}}}Ack/{{{C}}}MessageId") == stats.message_id
    page_size = int(etree.fromstring(stats.payload).findtext(f"{{{DSMP}}}PageSize") or 50)
    total = int(answer.findtext(f"{{{DSMP}}}Total") or 0)
    assert total and len(answer.findall(f"{{{DSMP}}}Row")) == min(total, page_size)
    assert (refused.tag, refused.findtext(f"{{{C}}}Code")) == (f"{{{C}}}Error", "dsmp-refused")
    with AuditLog.open(audit, create=False) as log:  # both audited, the refused one failed with DSMP's reason
        rows = [(r.as_dict()["outcome"], r.as_dict()["rows_returned"], r.as_dict()["purpose"]) for r in log.last(10)]
        assert log.verify().intact
    figures = "SP complaint figures of every SP"
    assert rows == [("pending", 0, figures), ("allowed", len(answer.findall(f"{{{DSMP}}}Row")), figures),
                    ("pending", 0, figures), ("failed", 0, figures)]


def test_an_oa_that_keeps_failing_opens_its_circuit_and_the_push_waits(
        broker: Broker, store: ProcessedStore, oa_emulator: Any, breakers: CircuitBreakers, metrics: Metrics,
        tmp_path: Path) -> None:
    oa_emulator.add_fault("error", "PushTodo", status=503)
    gateway = replace(xml_gateway_settings("oa", oa_emulator.base_url), breaker_fail_max=2)
    sent = envelope(example("oa/PushTodo.valid.xml"), "oa.PushTodo")
    beside = replace(HubSettings().bulletin, path=tmp_path / "onepoint-bulletin.db")  # its records' file beside
    with worker(oa_adapter, broker, store, gateway, breakers, metrics, bulletin=beside):
        publish(broker, "oa", sent)
        wait_until(lambda: breakers.open_systems() == ["oa"], "OA's circuit to open")
    calls = len(oa_emulator.journal(operation="PushTodo"))
    assert calls == 2  # the circuit stopped the calls: the push waits in the delay tiers, OA is left alone
    assert store.outcome(key_of("oa", sent)) is None
    assert DeadLetterQueues(broker).count("oa") == 0
