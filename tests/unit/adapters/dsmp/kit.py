"""Helpers of the DSMP adapter's unit tests: the handler through the worker pipeline (``WorkerTestClient``) with
respx as DSMP, a real audit log on a temporary file, and the work orders the hub holds."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import respx
from lxml import etree

from adapters.dsmp import InMemoryWorkOrders, OperatorRole, SmsLogAccess, handlers
from hub.audit import AuditEntry, AuditLog, AuditRecord, ChainKey, SQLiteAuditStorage
from hub.envelope import Envelope
from hub.workers import SendResult, WorkerTestClient
from tests.unit.adapters.soap_kit import BASE_URL, command, example

__all__ = ["ACCESS", "ANSWER", "BASE_URL", "DSMP", "KEY", "MSISDN", "OCCURRED", "STATS", "TAKEN", "WORK_ORDER",
           "BrokenLog", "C", "Dsmp", "WatchedAuditLog", "answered", "error_code", "query", "with_broken_log",
           "work_orders"]

DSMP = "urn:onepoint:dsmp:1"
C = "urn:onepoint:common:1"
KEY = ChainKey(b"dsmp-adapter-test-key-0123456789abcdef", "tests")
ANSWER = example("dsmp/responses/QuerySmsLogResponse.xml")
STATS = example("dsmp/responses/QuerySpComplaintStatsResponse.xml")
ACCESS = SmsLogAccess(frozenset({"network-backoffice"}), (OperatorRole("net-bo-*", "network-backoffice"),
                                                          OperatorRole("cs-*", "customer-service")))
WORK_ORDER = "WO20261123SMS00042"  # the example query's purpose: a complaint of 13501105566
MSISDN = "13501105566"
OCCURRED = datetime(2026, 11, 20, 8, 40, tzinfo=timezone(timedelta(hours=8)))  # the trouble began (OccurredAt)
TAKEN = datetime(2026, 11, 23, 9, 15, tzinfo=timezone(timedelta(hours=8)))  # the work order was taken


def work_orders() -> InMemoryWorkOrders:
    """The example query's work order: open, its trouble begun 2026-11-20 (periods from 2026-10-21 may be read)."""
    found = InMemoryWorkOrders()
    found.add(WORK_ORDER, MSISDN, "0755-83765432", occurred_at=OCCURRED, created_at=TAKEN)
    return found


class WatchedAuditLog(AuditLog):
    """The real log, noting each committed row in ``events`` (shared with the DSMP route) to see the order."""

    def __init__(self, path: Path, events: list[str]) -> None:
        super().__init__(SQLiteAuditStorage(path), KEY)
        self.events = events

    def append(self, entry: AuditEntry) -> AuditRecord:
        committed = super().append(entry)
        self.events.append(f"audit {entry.outcome}")
        return committed


class BrokenLog(WatchedAuditLog):
    """A log that cannot take a row (a full disk, a lock held too long, PostgreSQL down), after ``takes`` rows."""

    def __init__(self, path: Path, events: list[str], takes: int) -> None:
        super().__init__(path, events)
        self.takes = takes

    def append(self, entry: AuditEntry) -> AuditRecord:
        if self.takes <= 0:
            self.events.append(f"audit {entry.outcome} refused")
            raise sqlite3.OperationalError("database or disk is full")
        self.takes -= 1
        return super().append(entry)


@dataclass
class Dsmp:
    route: respx.Route
    client: WorkerTestClient
    audit_log: WatchedAuditLog
    events: list[str]
    work_orders: InMemoryWorkOrders = field(default_factory=work_orders)
    dependencies: dict[str, Any] = field(default_factory=dict)  # the handlers' (to call one directly)

    def rows(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.audit_log.last(100)]  # oldest first

    def results(self) -> list[dict[str, Any]]:
        """The rows saying what came of each attempt: without the ``pending`` rows written before DSMP is asked."""
        return [row for row in self.rows() if row["outcome"] != "pending"]

    def sent(self) -> list[etree._Element]:
        """The documents DSMP was sent."""
        return [etree.fromstring(call.request.content) for call in self.route.calls]


def with_broken_log(dsmp: Dsmp, folder: Path, takes: int, envelope: Envelope) -> tuple[SendResult, list[str]]:
    """``envelope`` handled with a ``BrokenLog`` taking ``takes`` rows: the result and the outcomes it took."""
    broken = BrokenLog(folder / "broken.db", dsmp.events, takes)
    client = WorkerTestClient(handlers, consumer="dsmp", dependencies={**dsmp.dependencies, "audit_log": broken})
    try:
        return client.request(envelope), [r.as_dict()["outcome"] for r in broken.last(100)]
    finally:
        broken.close()


def answered(content: bytes, events: list[str]) -> Any:
    """A respx side effect: DSMP answers ``content`` and the call is noted in ``events``."""
    def answer(request: httpx.Request) -> httpx.Response:
        events.append("dsmp called")
        return httpx.Response(200, content=content)
    return answer


def query(account: str = "net-bo-liqiang", message_id: str = "cs-sms-00000001", *,
          fields: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Envelope:
    """The example QuerySmsLog by ``account``; ``fields``: other values of its fields (``Period/c:To``...)."""
    envelope = command("dsmp/QuerySmsLog.valid.xml", message_id=message_id,
                       replace={b"net-bo-liqiang": account.encode()})
    if fields:
        document = etree.fromstring(envelope.payload)
        for path, value in fields.items():
            steps = [f"{{{C}}}{step[2:]}" if step.startswith("c:") else f"{{{DSMP}}}{step}"
                     for step in path.split("/")]
            found = document.find("/".join(steps))
            assert found is not None, path
            found.text = value
        envelope = Envelope(message_id=envelope.message_id, command_type=envelope.command_type,
                            source_system=envelope.source_system, payload=etree.tostring(document),
                            correlation_id=envelope.correlation_id)
    return envelope.with_headers(**headers) if headers else envelope


def error_code(reply: bytes | None) -> str | None:
    assert reply is not None
    return etree.fromstring(reply).findtext(f"{{{C}}}Code")
