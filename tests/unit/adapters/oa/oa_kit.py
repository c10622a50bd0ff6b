"""The OA adapter's unit tests' shared parts: its namespaces, the area managers, and the ``oa`` fixture (a worker of
the OA adapter's handlers, respx as OA; registered for every test of this folder by ``conftest``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import respx

from adapters.oa import AreaManagers, MemoryClosedItems, OaClient, ToReadVersions, handlers
from hub.gateways import CircuitBreakers, XmlGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import BASE_URL, registry, settings

__all__ = ["LINK", "MANAGERS", "OA", "C", "Oa", "oa"]

OA = "urn:onepoint:oa:1"
C = "urn:onepoint:common:1"
LINK = "https://hub.example/bulletin#{notice_id}"
MANAGERS = AreaManagers({"0755": ("mgr-0755-01", "mgr-0755-02"), "0571": ("mgr-0571-01",),
                         "0572": ("mgr-0571-01", "mgr-0572-01")}, LINK)


@dataclass
class Oa:
    route: respx.Route
    client: WorkerTestClient


@pytest.fixture
def oa() -> Iterator[Oa]:
    with respx.mock(assert_all_called=False) as router:
        route = router.post(BASE_URL)
        gateway = XmlGateway(settings("oa"), registry().get("oa"), breakers=CircuitBreakers())
        deps = {"oa": OaClient(gateway), "area_managers": MANAGERS, "to_read_versions": ToReadVersions(),
                "closed_items": MemoryClosedItems()}
        try:
            yield Oa(route, WorkerTestClient(handlers, consumer="oa", dependencies=deps))
        finally:
            gateway.close()
