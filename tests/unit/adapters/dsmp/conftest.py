"""The ``dsmp`` fixture: the DSMP handlers in the worker pipeline, respx as DSMP, a real audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from adapters.dsmp import DsmpClient, handlers
from hub.gateways import CircuitBreakers, XmlGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.dsmp.kit import ACCESS, BASE_URL, Dsmp, WatchedAuditLog, work_orders
from tests.unit.adapters.soap_kit import registry, settings


@pytest.fixture
def dsmp(tmp_path: Path) -> Iterator[Dsmp]:
    events: list[str] = []
    with respx.mock(assert_all_called=False) as router:
        route = router.post(BASE_URL)
        gateway = XmlGateway(settings("dsmp"), registry().get("dsmp"), breakers=CircuitBreakers())
        audit_log = WatchedAuditLog(tmp_path / "audit.db", events)
        orders = work_orders()
        deps = {"dsmp": DsmpClient(gateway), "audit_log": audit_log, "sms_log_access": ACCESS, "work_orders": orders}
        try:
            yield Dsmp(route, WorkerTestClient(handlers, consumer="dsmp", dependencies=deps), audit_log, events,
                       orders, deps)
        finally:
            gateway.close()
            audit_log.close()
