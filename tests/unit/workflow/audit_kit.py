"""Helpers of the work-order audit tests: a command's element set by path, a dispatched work order, the call-backs
NSP and OA send, and a refusal's code."""

from __future__ import annotations

import uuid

from lxml import etree

from hub.envelope import Envelope
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import SendResult, WorkerTestClient
from tests.unit.workflow.kit import EXAMPLES, WO, answer, command, envelope, text

NSP = "urn:onepoint:nsp:1"
OA = "urn:onepoint:oa:1"
NS = {"wo": WO, "c": "urn:onepoint:common:1", "nsp": NSP, "oa": OA}
SCHEMA = CommandSetRegistry.installed().get("workorder").lxml_schema  # what is sent is valid, as at the ingress


def send(client: WorkerTestClient, name: str, **paths: str) -> etree._Element:
    """The answer to the workorder example ``name`` with each ``wo:``-path (``Suspend/wo:Until``) set."""
    document, message_id = command(name)
    for path, value in paths.items():
        element = document.find(f"wo:{path}", NS)
        assert element is not None, path
        element.text = value
    assert SCHEMA.validate(document), SCHEMA.error_log
    return answer(client.request(envelope(document, message_id)))


def created(client: WorkerTestClient, **paths: str) -> str:
    work_order_id = text(send(client, "CreateWorkOrder.valid.xml", **paths), "wo:WorkOrderId")
    assert work_order_id is not None
    return work_order_id


def dispatch(client: WorkerTestClient, work_order_id: str, *, to_system: str | None = None) -> etree._Element:
    """The example Dispatch (every field its template wants) to NSP, as the example says, or to ``to_system``."""
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    action = document.find("wo:Dispatch", NS)
    if to_system is not None:
        action.find("wo:ToSystem", NS).text = to_system
    return answer(client.request(envelope(document, message_id)))


def nsp_reply(client: WorkerTestClient, work_order_id: str) -> SendResult:
    reply = etree.parse(str(EXAMPLES / "nsp" / "NetworkComplaintReply.valid.xml")).getroot()
    reply.find(f"{{{NSP}}}WorkOrderId").text = work_order_id
    return client.send(Envelope(f"nsp-{uuid.uuid4().hex[:16]}", "nsp.NetworkComplaintReply", "NSP",
                                etree.tostring(reply)))


def complete_todo(client: WorkerTestClient, item_id: str, user: str = "CS-ESCALATION") -> SendResult:
    """OA's CompleteTodo of ``item_id`` by ``user`` (default: the department WorkOrderAction.valid-escalate.xml
    hands the work order up to, whose to-do it is)."""
    document = etree.parse(str(EXAMPLES / "oa" / "CompleteTodo.valid.xml")).getroot()
    document.find(f"{{{OA}}}ItemId").text = item_id
    document.find(f"{{{OA}}}UserId").text = user
    return client.send(Envelope(f"oa-{uuid.uuid4().hex[:16]}", "oa.CompleteTodo", "OA", etree.tostring(document)))


def state(client: WorkerTestClient, work_order_id: str) -> str | None:
    return text(send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id), "wo:WorkOrder/wo:State")


def history(client: WorkerTestClient, work_order_id: str) -> list[tuple[str | None, str | None]]:
    found = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    return [(text(h, "wo:System"), text(h, "wo:Action") or text(h, "wo:Field"))
            for h in found.iterfind("wo:WorkOrder/wo:History", NS)]


QUERY_ORDER = ("Msisdn", "State", "Category", "AreaCode", "Tier", "GroupId", "CreatedIn", "Overdue", "Owner",
               "IncidentId", "PageSize", "Page", "After")


def query(client: WorkerTestClient, *, created_in: tuple[str, str] | None = None,
          **filters: str | list[str]) -> etree._Element:
    """QueryWorkOrders with ``filters`` (element name → text, or texts for State/Tier), in the schema's order."""
    document, message_id = command("QueryWorkOrders.valid-no-filter.xml")
    for child in list(document)[1:]:
        document.remove(child)
    for name in QUERY_ORDER:
        if name == "CreatedIn" and created_in is not None:
            bounds = etree.SubElement(document, f"{{{WO}}}CreatedIn")
            for bound, value in zip(("From", "To"), created_in, strict=True):
                etree.SubElement(bounds, f"{{{NS['c']}}}{bound}").text = value
        values = filters.get(name)
        for value in [values] if isinstance(values, str) else values or []:
            etree.SubElement(document, f"{{{WO}}}{name}").text = value
    assert SCHEMA.validate(document), SCHEMA.error_log
    return answer(client.request(envelope(document, message_id)))
