"""NSP's reply call-back on the workflow's handlers: the work order moves on to IN_PROGRESS, and its history (with
NSP's staff id as the actor: History/By is a PartyId, a handler's name has spaces) stays answerable."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from tests.unit.workflow.kit import EXAMPLES, WO, answer, command, envelope, text

pytestmark = pytest.mark.unit

NSP = "urn:onepoint:nsp:1"


def dispatched(client: WorkerTestClient) -> str:
    """A work order created from the example and dispatched with every field its template wants."""
    work_order_id = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId")
    assert work_order_id is not None
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "DISPATCHED"
    return work_order_id


def test_nsps_reply_starts_the_work_order_and_its_history_stays_answerable(client: WorkerTestClient) -> None:
    work_order_id = dispatched(client)
    reply = etree.parse(str(EXAMPLES / "nsp" / "NetworkComplaintReply.valid.xml")).getroot()
    reply.find(f"{{{NSP}}}WorkOrderId").text = work_order_id
    assert reply.findtext(f"{{{NSP}}}RepliedBy/{{{NSP}}}Name") == "Zhang Wei"
    client.send(Envelope("nsp-20261123-110812-0031", "nsp.NetworkComplaintReply", "NSP", etree.tostring(reply)))

    document, message_id = command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    found = answer(client.request(envelope(document, message_id)))
    schema = CommandSetRegistry.installed().get("workorder").lxml_schema
    assert schema.validate(found), schema.error_log
    assert text(found, "wo:WorkOrder/wo:State") == "IN_PROGRESS"
    entries = list(found.iterfind("wo:WorkOrder/wo:History", {"wo": WO}))
    (start,) = [entry for entry in entries if text(entry, "wo:Action") == "START"]
    assert (text(start, "wo:By"), text(start, "wo:System")) == ("noc-zhang.wei", "NSP")
    ticket = next(entry for entry in entries if text(entry, "wo:Field") == "nsp_nspticketid")
    assert text(ticket, "wo:NewValue") == "NSP20261123000417"
    assert text(ticket, "wo:Note") == "NSP answered the dispatch (Zhang Wei)"
