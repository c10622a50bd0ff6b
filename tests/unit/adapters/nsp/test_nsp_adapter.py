"""The NSP adapter: the dispatch as NSP gets it, the handler through the worker pipeline with respx as NSP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import respx
from lxml import etree

from adapters.nsp import NspClient, handlers
from adapters.nsp.mapping import dispatch_document, ticket, withdrawal
from hub.gateways import CircuitBreakers, XmlGateway
from hub.validation import DocumentValidator
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import BASE_URL, command, example, registry, settings

pytestmark = pytest.mark.unit
NSP = "urn:onepoint:nsp:1"
C = "urn:onepoint:common:1"
SENT = datetime(2026, 11, 23, 1, 21, 40, tzinfo=UTC)
ANSWER = example("nsp/responses/NetworkComplaintDispatchResponse.xml")


@dataclass
class Nsp:
    route: respx.Route
    client: WorkerTestClient


@pytest.fixture
def nsp() -> Iterator[Nsp]:
    with respx.mock(assert_all_called=False) as router:
        route = router.post(BASE_URL)
        gateway = XmlGateway(settings("nsp", username=None, password=None, token="hub-token"), registry().get("nsp"),
                             breakers=CircuitBreakers())
        try:
            yield Nsp(route, WorkerTestClient(handlers, consumer="nsp", dependencies={"nsp": NspClient(gateway)}))
        finally:
            gateway.close()


def test_the_dispatch_goes_to_nsp_under_the_hubs_header_with_every_field() -> None:
    envelope = command("nsp/NetworkComplaintDispatch.valid.xml", message_id="hub-d-00000001")
    sent = dispatch_document(envelope, SENT)
    header = sent.find(f"{{{NSP}}}Header")
    assert header is not None
    assert [(etree.QName(f).localname, f.text) for f in header] == [
        ("MessageId", etree.fromstring(envelope.payload).findtext(f".//{{{C}}}MessageId")),
        ("CorrelationId", etree.fromstring(envelope.payload).findtext(f".//{{{C}}}CorrelationId")),
        ("SourceSystem", "HUB"), ("SentAt", "2026-11-23T01:21:40.000+00:00")]
    original = etree.fromstring(envelope.payload)
    assert [etree.tostring(e) for e in sent[1:]] == [etree.tostring(e) for e in original[1:]]
    DocumentValidator(registry()).validate_element(sent)  # still a valid NetworkComplaintDispatch


def test_the_answer_gives_the_ticket_id() -> None:
    found = ticket(etree.fromstring(ANSWER))
    assert (found.ticket_id, found.duplicate) == ("NSP20261123000417", False)
    again = ticket(etree.fromstring(ANSWER.replace(b">COMPLETED<", b">DUPLICATE<")))
    assert again.duplicate and again.ticket_id == "NSP20261123000417"


def test_the_complaint_is_dispatched_once_and_the_ticket_recorded(nsp: Nsp) -> None:
    nsp.route.respond(200, content=ANSWER, headers={"content-type": "application/xml"})
    envelope = command("nsp/NetworkComplaintDispatch.valid.xml", message_id="hub-d-00000001")
    result = nsp.client.send(envelope)
    assert result.processed and result.outcome == "ticket NSP20261123000417"
    request = nsp.route.calls.last.request
    assert request.headers["authorization"] == "Bearer hub-token"
    posted = etree.fromstring(request.content)
    assert posted.tag == f"{{{NSP}}}NetworkComplaintDispatch"
    assert posted.findtext(f"{{{NSP}}}Header/{{{C}}}SourceSystem") == "HUB"
    assert nsp.client.send(envelope).duplicate and nsp.route.call_count == 1  # redelivered: NSP is not asked again


def test_an_unavailable_nsp_is_retried(nsp: Nsp) -> None:
    nsp.route.side_effect = [httpx.Response(503), httpx.ConnectError("refused"),
                             httpx.Response(200, content=ANSWER)]
    result = nsp.client.send(command("nsp/NetworkComplaintDispatch.valid.xml"))
    assert result.processed and result.attempts == 3 and result.outcome == "ticket NSP20261123000417"


def test_a_refused_dispatch_is_dead_lettered_with_the_reason(nsp: Nsp) -> None:
    nsp.route.respond(400, text="invalid document")
    result = nsp.client.send(command("nsp/NetworkComplaintDispatch.valid.xml"))
    assert result.dead and result.attempts == 1
    assert result.reason is not None and "nsp NetworkComplaintDispatch refused (400)" in result.reason


def test_an_answer_that_fails_its_xsd_is_dead_lettered(nsp: Nsp) -> None:
    nsp.route.respond(200, content=ANSWER.replace(b"NSP20261123000417", b"TICKET-1"))
    result = nsp.client.send(command("nsp/NetworkComplaintDispatch.valid.xml"))
    assert result.dead and result.reason is not None and "fails its XSD" in result.reason


WITHDRAW_ANSWER = example("nsp/responses/NetworkComplaintWithdrawResponse.xml")
UNKNOWN_ANSWER = (WITHDRAW_ANSWER.replace(b"<nsp:Known>true", b"<nsp:Known>false")
                  .replace(b">WITHDRAWN<", b">UNKNOWN<")
                  .replace(b"  <nsp:NspTicketId>NSP20261123000417</nsp:NspTicketId>\n", b""))


def test_a_withdrawal_goes_to_nsp_and_what_nsp_did_is_recorded(nsp: Nsp) -> None:
    nsp.route.respond(200, content=WITHDRAW_ANSWER, headers={"content-type": "application/xml"})
    envelope = command("nsp/NetworkComplaintWithdraw.valid.xml", message_id="hub-w-00000001")
    result = nsp.client.send(envelope)
    assert result.processed and result.outcome == "withdrawal WITHDRAWN: NSP20261123000417"
    request = nsp.route.calls.last.request
    assert request.headers["authorization"] == "Bearer hub-token"
    posted = etree.fromstring(request.content)
    assert posted.tag == f"{{{NSP}}}NetworkComplaintWithdraw"
    assert posted.findtext(f"{{{NSP}}}WorkOrderId") == "WO20261123A7K2M9Q1"
    assert posted.findtext(f"{{{NSP}}}Header/{{{C}}}SourceSystem") == "HUB"
    assert nsp.client.send(envelope).duplicate and nsp.route.call_count == 1  # redelivered: NSP is not asked again


def test_a_withdrawal_nsp_knew_nothing_of_is_taken_not_dead_lettered(nsp: Nsp) -> None:
    nsp.route.respond(200, content=UNKNOWN_ANSWER, headers={"content-type": "application/xml"})
    result = nsp.client.send(command("nsp/NetworkComplaintWithdraw.valid.xml"))
    assert result.processed and result.outcome == "withdrawal UNKNOWN"
    found = withdrawal(etree.fromstring(UNKNOWN_ANSWER))
    assert (found.known, found.outcome, found.ticket_ids, found.duplicate) == (False, "UNKNOWN", (), False)


def test_an_unavailable_nsp_is_retried_for_a_withdrawal_too(nsp: Nsp) -> None:
    nsp.route.side_effect = [httpx.Response(503), httpx.ConnectError("refused"),
                             httpx.Response(200, content=WITHDRAW_ANSWER)]
    result = nsp.client.send(command("nsp/NetworkComplaintWithdraw.valid.xml"))
    assert result.processed and result.attempts == 3


def test_a_refused_withdrawal_is_dead_lettered_with_the_reason(nsp: Nsp) -> None:
    nsp.route.respond(400, text="invalid document")
    result = nsp.client.send(command("nsp/NetworkComplaintWithdraw.valid.xml"))
    assert result.dead and result.attempts == 1
    assert result.reason is not None and "nsp NetworkComplaintWithdraw refused (400)" in result.reason


def test_an_answer_of_the_ack_alone_says_the_withdrawal_was_taken() -> None:
    bare = etree.fromstring(WITHDRAW_ANSWER)
    for name in ("Known", "Outcome", "NspTicketId"):
        bare.remove(bare.find(f"{{{NSP}}}{name}"))
    found = withdrawal(bare)
    assert (found.known, found.outcome, found.summary()) == (None, None, "withdrawal acknowledged")
    assert withdrawal(etree.fromstring(WITHDRAW_ANSWER.replace(b">ACCEPTED<", b">DUPLICATE<"))).duplicate


def test_nsps_answer_to_a_withdrawal_is_told_to_the_work_order(nsp: Nsp) -> None:
    nsp.route.respond(200, content=WITHDRAW_ANSWER, headers={"content-type": "application/xml"})
    envelope = command("nsp/NetworkComplaintWithdraw.valid.xml", message_id="hub-w-00000002")
    assert nsp.client.send(envelope).processed
    (note,) = [e for e, targets in nsp.client.sent if e.command_type == "workorder.NspWithdrawalNote"
               and targets == ("workflow",)]
    document = etree.fromstring(note.payload)
    registry().get("workorder").lxml_schema.assertValid(document)
    wo = "urn:onepoint:workorder:1"
    assert document.findtext(f"{{{wo}}}WorkOrderId") == "WO20261123A7K2M9Q1"
    assert document.findtext(f"{{{wo}}}WithdrawalId") == "hub-w-00000002"
    assert (document.findtext(f"{{{wo}}}Known"), document.findtext(f"{{{wo}}}Outcome")) == ("true", "WITHDRAWN")
    assert [t.text for t in document.iterfind(f"{{{wo}}}NspTicketId")] == ["NSP20261123000417"]
    assert note.source_system == "HUB"
