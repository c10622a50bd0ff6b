"""OA refuses for good (a 4xx) an item the hub pushed for a work order: the workflow is told (``oa.TodoRefused``,
the hub's own command, routed to the workflow), the push settled with that outcome. Before, the push was only
dead-lettered: the work order stayed ESCALATED, its history reading as if the manager had the to-do. A push naming
no work order is dead-lettered as before (``adapters.oa.refusals``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx
from lxml import etree

from adapters.oa import MemoryClosedTodos, OaClient, ToReadVersions, handlers
from emulators.toolkit.xmlcommand import error_bytes
from hub.envelope import Envelope
from hub.gateways import CircuitBreakers, XmlGateway
from hub.routing.outbound import derive_message_id
from hub.routing.table import RoutingTable
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from tests.unit.adapters.oa.test_oa_adapter import MANAGERS, OA, Oa, oa  # noqa: F401 - the fixture
from tests.unit.adapters.soap_kit import BASE_URL, example, registry, settings

pytestmark = pytest.mark.unit

C = "urn:onepoint:common:1"
WORK_ORDER = "WO20261123A7K2M9Q1"
ITEM = f"{WORK_ORDER}-esc1-0"


def push(command: str = "PushTodo", work_order: bool = True, message_id: str = "hub-push-00000001") -> Envelope:
    name = "PushTodo.valid" if command == "PushTodo" else "PushToRead.valid-with-due"  # a work order's to-read
    document = etree.fromstring(example(f"oa/{name}.xml"))
    document.find(f"{{{OA}}}ItemId").text = ITEM
    document.find(f"{{{OA}}}UserId").text = "mgr-cs-0755-03"
    document.find(f"{{{OA}}}Header/{{{C}}}MessageId").text = message_id
    if not work_order:
        found = document.find(f"{{{OA}}}WorkOrderId")
        found.getparent().remove(found)
    return Envelope(message_id, f"oa.{command}", "HUB", etree.tostring(document))


def refused_by_oa(oa: Oa) -> None:  # noqa: F811
    oa.route.respond(400, content=error_bytes("unknown-user", "no OA user mgr-cs-0755-03", []))


@pytest.mark.parametrize("command", ["PushTodo", "PushToRead"])
def test_a_work_orders_item_oa_refuses_is_told_to_the_workflow(oa: Oa, command: str) -> None:  # noqa: F811
    refused_by_oa(oa)
    result = oa.client.send(push(command))
    assert result.processed and not result.dead, result.reason
    assert "refused by OA" in (result.outcome or "") and WORK_ORDER in (result.outcome or "")
    ((told, targets),) = oa.client.sent
    assert (told.command_type, told.source_system, targets) == ("oa.TodoRefused", "HUB", ("workflow",))
    assert told.message_id == derive_message_id("hub-push-00000001", "refused", "oa")  # once per push
    document = etree.fromstring(told.payload)
    found = {name: document.findtext(f"{{{OA}}}{name}") for name in
             ("ItemId", "UserId", "WorkOrderId", "Command", "Code")}
    assert found == {"ItemId": ITEM, "UserId": "mgr-cs-0755-03", "WorkOrderId": WORK_ORDER, "Command": command,
                     "Code": "unknown-user"}
    assert "no OA user" in (document.findtext(f"{{{OA}}}Reason") or "")


def test_a_refused_push_naming_no_work_order_is_dead_lettered(oa: Oa) -> None:  # noqa: F811
    refused_by_oa(oa)
    result = oa.client.send(push(work_order=False))
    assert result.dead and "unknown-user" in (result.reason or "")
    assert oa.client.sent == []


def test_with_no_route_for_the_refusal_the_push_is_dead_lettered_with_oas_reason(tmp_path: Path) -> None:
    """An operator's routing table without ``oa.TodoRefused``: nobody can be told, so the push goes to the DLQ with
    OA's refusal as its reason (not the missing route's)."""
    routes = tmp_path / "routes.toml"
    routes.write_text('[[routes]]\nname = "everything but the refusal"\ncommands = ["oa.PushTodo"]\nto = ["oa"]\n')
    table = RoutingTable.load(routes, consumers=DEFAULT_CONSUMERS,
                              command_types=CommandSetRegistry.installed(detailed=False).command_types())
    with respx.mock(assert_all_called=False) as router:
        router.post(BASE_URL).respond(400, content=error_bytes("unknown-user", "no OA user mgr-cs-0755-03", []))
        gateway = XmlGateway(settings("oa"), registry().get("oa"), breakers=CircuitBreakers())
        try:
            client = WorkerTestClient(handlers, consumer="oa", routing=table, dependencies={
                "oa": OaClient(gateway), "area_managers": MANAGERS, "to_read_versions": ToReadVersions(),
                "closed_todos": MemoryClosedTodos()})
            result = client.send(push())
        finally:
            gateway.close()
    assert result.dead and "unknown-user" in (result.reason or "") and "SystemRefused" in (result.reason or "")
    assert client.sent == []
