"""End to end: a caller's QuerySmsLog through the hub's XML ingress → broker → the DSMP adapter's Worker (role check,
the purpose's work order read from a real work-order store, audit row) → the DSMP emulator over HTTP → the records
back to the caller; denied queries (role, a work order the hub does not have, another subscriber's number given as
the work order's contact number, a cancelled work order, a period long before the complaint) audited and refused
(422);
``onepoint audit verify`` intact afterwards. On memory:// and on RabbitMQ; the audit log in its SQLite file and in
PostgreSQL (``[audit] database``, the one chain the DSMP workers of several machines share)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

import adapters.dsmp as dsmp_adapter
from emulators.population import generate_population
from hub.audit import AuditLog
from hub.config.adapters import AdapterSettings
from hub.config.settings import AuditSettings, load_settings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.store import SQLiteProcessedStore
from hub.workers import Worker
from hub.workflow.store import WorkOrderStore
from tests.integration.adapters.conftest import xml_gateway_settings
from tests.integration.adapters.hub_kit import RunningHub
from tests.support.workorder_store import store_complaint
from tests.unit.adapters.soap_kit import example

DSMP = "urn:onepoint:dsmp:1"
C = "urn:onepoint:common:1"
CS_TOKEN = "cs-dev-token"  # the complaint front ends' development credentials
KEY = "dsmp-end-to-end-audit-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[3]


WORK_ORDER = "WO20261123SMS00042"  # the example query's purpose
CANCELLED = "WO20261123SMS00043"  # a complaint of the same subscriber, cancelled


def sms_log_query(msisdn: str, window: dict[str, str], *, message_id: str, account: str = "net-bo-liqiang",
                  work_order_id: str = WORK_ORDER) -> bytes:
    """The example query as the front end sends it: its own SourceSystem, the window DSMP holds records for."""
    document = etree.fromstring(example("dsmp/QuerySmsLog.valid.xml"))
    for path, value in ((f"{{{DSMP}}}Header/{{{C}}}MessageId", message_id),
                        (f"{{{DSMP}}}Header/{{{C}}}SourceSystem", "CS"), (f"{{{DSMP}}}Msisdn", msisdn),
                        (f"{{{DSMP}}}Period/{{{C}}}From", window["from"]),
                        (f"{{{DSMP}}}Period/{{{C}}}To", window["to"]), (f"{{{DSMP}}}OperatorAccount", account),
                        (f"{{{DSMP}}}WorkOrderId", work_order_id)):
        field = document.find(path)
        assert field is not None
        field.text = value
    document.remove(document.find(f"{{{DSMP}}}Direction"))  # both directions
    body: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    return body


def subscriber_with_records(dsmp: Any, window: dict[str, str]) -> tuple[str, int]:
    """A seeded subscriber DSMP holds SMS records of in the window (asking DSMP directly), and how many."""
    for subscriber in generate_population(0, 1000).subscribers[:50]:
        body = sms_log_query(subscriber.msisdn, window, message_id=f"probe-{subscriber.msisdn}")
        answer = etree.fromstring(httpx.post(f"{dsmp.base_url}/xml", content=body, timeout=10,
                                             headers={"content-type": "application/xml"}).content)
        total = int(answer.findtext(f"{{{DSMP}}}Total") or 0)
        if total:
            return subscriber.msisdn, total
    pytest.fail("no seeded subscriber with SMS records among the first 50")


def work_order_store(tmp_path: Path, msisdn: str, window: dict[str, str], contact: str | None = None) -> str:
    """A work-order database holding the query's work order: a complaint of ``msisdn`` whose trouble began at the
    end of DSMP's window, ``contact`` its contact number; and a cancelled one of the same subscriber (its URL)."""
    url = f"sqlite:///{tmp_path / 'workorders.db'}"
    occurred = datetime.fromisoformat(window["to"])
    store_complaint(url, WORK_ORDER, msisdn, contact_number=contact, occurred_at=occurred)
    store_complaint(url, CANCELLED, msisdn, state="CANCELLED", occurred_at=occurred)
    return url


@contextmanager
def dsmp_worker(hub: RunningHub, gateway: AdapterSettings, audit: AuditSettings,
                store_url: str) -> Iterator[dict[str, Any]]:
    """The DSMP adapter's Worker on the hub's broker, wired as ``hub.system`` wires it: the work-order store's
    opener given (an adapter may not open it itself)."""
    metrics = Metrics()
    deps = dsmp_adapter.dependencies(replace(hub.settings, adapters=(gateway,), audit=audit),
                                     breakers=CircuitBreakers(metrics), metrics=metrics, registry=hub.registry,
                                     work_order_store=partial(WorkOrderStore.open, store_url))
    store = SQLiteProcessedStore(hub.tmp_path / "dsmp-processed.db")
    try:
        with Worker(hub.broker, dsmp_adapter.CONSUMER, dsmp_adapter.handlers, store=store, dependencies=deps,
                    metrics=metrics):
            yield deps
    finally:
        dsmp_adapter.close(deps)
        store.close()


def verify(config: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TEST_DSMP_AUDIT_KEY": KEY}
    return subprocess.run([sys.executable, "-W", "ignore", "-m", "hub.cli.main", "audit", "verify", "--config",
                           str(config)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)


@pytest.fixture(params=["file", pytest.param("postgres", marks=pytest.mark.postgres)])
def audit_database(request: pytest.FixtureRequest) -> str:
    """``[audit] database``: "" (the SQLite file at ``path``) or a PostgreSQL database of its own."""
    if request.param == "file":
        return ""
    database: str = request.getfixturevalue("postgres_server").create_database()
    return database


def test_sms_log_queries_are_audited_answered_or_refused(running_hub: RunningHub, dsmp_emulator: Any,
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         audit_database: str) -> None:
    config = tmp_path / "audit.toml"
    config.write_text(f'[audit]\npath = "audit.db"\ndatabase = "{audit_database}"\nkey_env = "TEST_DSMP_AUDIT_KEY"\n')
    monkeypatch.setenv("TEST_DSMP_AUDIT_KEY", KEY)
    audit = load_settings(config).audit
    window = dsmp_emulator.state()["window"]
    msisdn, total = subscriber_with_records(dsmp_emulator, window)
    other = next(s.msisdn for s in generate_population(0, 1000).subscribers if s.msisdn != msisdn)
    year_before = {key: (datetime.fromisoformat(at) - timedelta(days=365)).isoformat() for key, at in window.items()}
    gateway = xml_gateway_settings("dsmp", dsmp_emulator.base_url,
                                   options=running_hub.settings.adapter("dsmp").options)  # the built-in roles
    with dsmp_worker(running_hub, gateway, audit, work_order_store(tmp_path, msisdn, window, other)) as deps:
        allowed = running_hub.post("dsmp", sms_log_query(msisdn, window, message_id="e2e-sms-00000001"),
                                   token=CS_TOKEN)
        rows_when_answered = deps["audit_log"].count()
        denied = running_hub.post("dsmp", sms_log_query(msisdn, window, message_id="e2e-sms-00000002",
                                                        account="cs-agent-0042"), token=CS_TOKEN)
        unknown = running_hub.post("dsmp", sms_log_query(msisdn, window, message_id="e2e-sms-00000003",
                                                         work_order_id="WO20991231NOSUCH00"), token=CS_TOKEN)
        contact = running_hub.post("dsmp", sms_log_query(other, window, message_id="e2e-sms-00000004"),
                                   token=CS_TOKEN)
        cancelled = running_hub.post("dsmp", sms_log_query(msisdn, window, message_id="e2e-sms-00000005",
                                                           work_order_id=CANCELLED), token=CS_TOKEN)
        long_before = running_hub.post("dsmp", sms_log_query(msisdn, year_before, message_id="e2e-sms-00000006"),
                                       token=CS_TOKEN)
    assert allowed.status_code == 200, allowed.text
    answer = etree.fromstring(allowed.content)
    records = answer.findall(f"{{{DSMP}}}Record")
    assert len(records) == min(total, 100) and answer.findtext(f"{{{DSMP}}}Total") == str(total)  # PageSize 100
    assert answer.findtext(f"{{{DSMP}}}Ack/{{{C}}}MessageId") == "e2e-sms-00000001"
    assert rows_when_answered == 2  # its pending row (before DSMP was asked) and its result row, when it was answered
    assert denied.status_code == 422
    error = etree.fromstring(denied.content)
    assert error.findtext(f"{{{C}}}Code") == "role-not-allowed"
    assert unknown.status_code == 422
    assert etree.fromstring(unknown.content).findtext(f"{{{C}}}Code") == "purpose-unknown-work-order"
    for refused, code in ((contact, "purpose-other-customer"), (cancelled, "purpose-work-order-cancelled"),
                          (long_before, "purpose-period-outside-complaint")):
        assert refused.status_code == 422, refused.text[:500]
        assert etree.fromstring(refused.content).findtext(f"{{{C}}}Code") == code
    asked = [(e["message_id"], e["operator_account"], e["source_system"]) for e in dsmp_emulator.state()["audit"]
             if e["message_id"].startswith("e2e-")]
    assert asked == [("e2e-sms-00000001", "net-bo-liqiang", "HUB")]  # the denied queries never reached DSMP
    with AuditLog.open(audit, create=False) as log:
        rows = [r.as_dict() for r in log.last(10)]
    purpose_rows = rows[4:]
    rows = rows[:4]
    assert [(r["message_id"], r["outcome"], r["role"], r["rows_returned"]) for r in rows] == [
        ("e2e-sms-00000001", "pending", "network-backoffice", 0),
        ("e2e-sms-00000001", "allowed", "network-backoffice", len(records)),
        ("e2e-sms-00000002", "denied", "customer-service", 0),
        ("e2e-sms-00000003", "denied", "network-backoffice", 0)]
    assert [(r["message_id"], r["outcome"], str(r["reason"]).split(":")[0]) for r in purpose_rows] == [
        ("e2e-sms-00000004", "denied", "purpose-other-customer"),
        ("e2e-sms-00000005", "denied", "purpose-work-order-cancelled"),
        ("e2e-sms-00000006", "denied", "purpose-period-outside-complaint")]
    assert all(r["msisdn_masked"] == "*" * (len(msisdn) - 4) + msisdn[-4:] for r in rows)
    assert {r["client_address"] for r in rows} == {"10.212.34.17"}  # what the document names
    assert {r["caller"] for r in rows} == {"cs-frontend"}  # who the ingress authenticated (token cs-dev-token)
    assert {r["peer"] for r in rows} <= {"127.0.0.1", "unknown"}  # its address, once the ingress passes it on
    result = verify(config)
    assert (result.returncode, result.stdout) == (0, "OK: 7 rows, chain intact\n"), result.stderr
    assert (tmp_path / "audit.db").exists() == (audit_database == "")  # in PostgreSQL: no file of its own
