"""NSP's ticket of a dispatch is told to the work order: once NSP answered the dispatch with its ticket, the NSP
adapter sends the hub's own ``workorder.NspDispatchNote`` (its MessageId derived from the dispatch's, step
``nsp-dispatch-note``) to the workflow, with the dispatch's MessageId and the ticket; NSP's DUPLICATE answer (a
dispatch sent again) names the same ticket; an answer without one tells nothing; a routing table without a route
for the note still settles the dispatch NSP took."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx
from lxml import etree

from adapters.nsp import NspClient, handlers
from adapters.nsp.dispatch_notes import NOTE_STEP
from hub.envelope import Envelope
from hub.gateways import CircuitBreakers, XmlGateway
from hub.routing import RoutingTable
from hub.routing.message_ids import derive_message_id
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from tests.unit.adapters.nsp.test_nsp_adapter import ANSWER, NSP, Nsp, nsp  # noqa: F401 (the fixture)
from tests.unit.adapters.soap_kit import BASE_URL, command, registry, settings

pytestmark = pytest.mark.unit

WO = "urn:onepoint:workorder:1"
TICKET = "NSP20261123000417"


def notes(adapter: Nsp) -> list[Envelope]:
    return [e for e, targets in adapter.client.sent if e.command_type == "workorder.NspDispatchNote"
            and targets == ("workflow",)]


def test_nsps_ticket_of_the_dispatch_is_told_to_the_work_order(nsp: Nsp) -> None:  # noqa: F811
    nsp.route.respond(200, content=ANSWER, headers={"content-type": "application/xml"})
    envelope = command("nsp/NetworkComplaintDispatch.valid.xml", message_id="hub-d-00000011")
    assert nsp.client.send(envelope).processed
    (note,) = notes(nsp)
    document = etree.fromstring(note.payload)
    registry().get("workorder").lxml_schema.assertValid(document)
    work_order_id = etree.fromstring(envelope.payload).findtext(f"{{{NSP}}}WorkOrderId")
    assert [document.findtext(f"{{{WO}}}{name}") for name in ("WorkOrderId", "DispatchId", "NspTicketId")] == [
        work_order_id, "hub-d-00000011", TICKET]
    assert note.source_system == "HUB"
    # a redelivery: the same id
    assert note.message_id == derive_message_id("hub-d-00000011", NOTE_STEP, "nsp", envelope.source_system)
    assert nsp.client.send(envelope).duplicate and len(notes(nsp)) == 1


def test_nsps_duplicate_answer_tells_the_same_ticket(nsp: Nsp) -> None:  # noqa: F811
    nsp.route.respond(200, content=ANSWER.replace(b">COMPLETED<", b">DUPLICATE<"),
                      headers={"content-type": "application/xml"})
    assert nsp.client.send(command("nsp/NetworkComplaintDispatch.valid.xml")).processed
    (note,) = notes(nsp)
    assert etree.fromstring(note.payload).findtext(f"{{{WO}}}NspTicketId") == TICKET


def test_an_answer_without_a_ticket_tells_nothing(nsp: Nsp) -> None:  # noqa: F811
    bare = ANSWER.replace(f"  <nsp:NspTicketId>{TICKET}</nsp:NspTicketId>\n".encode(), b"")
    assert b"NspTicketId" not in bare
    nsp.route.respond(200, content=bare, headers={"content-type": "application/xml"})
    result = nsp.client.send(command("nsp/NetworkComplaintDispatch.valid.xml"))
    assert result.processed and result.outcome == "ticket (no ticket id)"
    assert notes(nsp) == []


def test_a_table_without_the_note_route_still_settles_the_dispatch(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    types = CommandSetRegistry.installed().command_types()
    path = tmp_path / "routes.toml"
    path.write_text("\n".join([
        "[[routes]]", 'name = "work orders, by name"', 'commands = ["workorder.CreateWorkOrder"]',
        'to = ["workflow"]', "reply_timeout = 15",
        "[[routes]]", 'name = "nsp"', 'commands = ["nsp.NetworkComplaintDispatch"]', 'to = ["nsp"]']))
    table = RoutingTable.load(path, consumers=["workflow", "nsp"], command_types=types)
    with respx.mock(assert_all_called=False) as router:
        route = router.post(BASE_URL).respond(200, content=ANSWER, headers={"content-type": "application/xml"})
        gateway = XmlGateway(settings("nsp", username=None, password=None, token="hub-token"), registry().get("nsp"),
                             breakers=CircuitBreakers())
        try:
            client = WorkerTestClient(handlers, consumer="nsp", dependencies={"nsp": NspClient(gateway)},
                                      routing=table)
            result = client.send(command("nsp/NetworkComplaintDispatch.valid.xml", message_id="hub-d-00000012"))
        finally:
            gateway.close()
    assert route.call_count == 1 and result.processed and client.dead_letters == []
    assert result.outcome == f"ticket {TICKET}"
    assert any("no route takes workorder.NspDispatchNote" in record.getMessage() for record in caplog.records)
