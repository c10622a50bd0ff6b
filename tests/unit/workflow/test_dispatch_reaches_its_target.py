"""What a dispatch carries and where it goes: NSP gets every template field as the agent gave it (the fault time as
OccurredAt, the functions affected, the other party's number ...); a department reached through OA, DSMP, BOSS or CRM
gets an OA to-do with the dispatch's fields; a VIP's account manager hears of the return visit when the work order
is replied (docs/lifecycle.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import WO, answer, command, envelope, text

pytestmark = pytest.mark.unit

NSP = "urn:onepoint:nsp:1"
OA = "urn:onepoint:oa:1"
CRM = "urn:onepoint:crm:1"


def _create(client: WorkerTestClient, category: str, msisdn: str) -> str:
    document, message_id = command("CreateWorkOrder.valid.xml", CategoryCode=category, Msisdn=msisdn)
    found = text(answer(client.request(envelope(document, message_id))), "wo:WorkOrderId")
    assert found is not None
    return found


def _dispatch(client: WorkerTestClient, work_order_id: str, fields: dict[str, str], *,
              keep_target: bool = True) -> list[etree._Element]:
    """Dispatch with exactly ``fields``; the documents sent for it, each validated against its schema."""
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    dispatch = document.find(f"{{{WO}}}Dispatch")
    assert dispatch is not None
    for element in list(dispatch):
        if etree.QName(element).localname == "Field" or (
                not keep_target and etree.QName(element).localname in ("ToDepartment", "ToSystem")):
            dispatch.remove(element)
    for name, value in fields.items():
        etree.SubElement(dispatch, f"{{{WO}}}Field", name=name).text = value
    before = len(client.sent)
    reply = answer(client.request(envelope(document, message_id)))
    assert text(reply, "wo:State") == "DISPATCHED", etree.tostring(reply)
    registry = CommandSetRegistry.installed()
    sent = [etree.fromstring(e.payload) for e, _ in client.sent[before:]]
    for doc in sent:
        schema = registry.get(etree.QName(doc).namespace.rsplit(":", 2)[1]).lxml_schema
        assert schema.validate(doc), schema.error_log
    return sent


def _fields(doc: etree._Element) -> dict[str, str]:
    return {f.get("name") or "": f.text or "" for f in doc.iterfind(f"{{{NSP}}}Field")}


def test_nsp_gets_the_fault_time_and_the_functions_affected_the_agent_gave(client: WorkerTestClient) -> None:
    work_order_id = _create(client, "01.02.03", "13800002001")  # cannot originate: voice_originate
    (doc,) = _dispatch(client, work_order_id, {
        "terminal_type": "Nokia N95", "fault_place": "Shenzhen Civic Center, car park B2",
        "announcement_heard": "The number you dialled cannot be connected",
        "fault_time": "2026-11-22T19:05:00+08:00",
        "calling_functions_affected": "international and long-distance only"})
    assert datetime.fromisoformat(doc.findtext(f"{{{NSP}}}OccurredAt") or "") == datetime.fromisoformat(
        "2026-11-22T19:05:00+08:00")
    fields = _fields(doc)
    assert fields["calling_functions_affected"] == "international and long-distance only"
    assert fields["fault_time"] == "2026-11-22T19:05:00+08:00"
    assert list(fields)[:3] == ["msisdn", "terminal_type", "fault_time"]  # the template's order
    assert [f.text for f in doc.iterfind(f"{{{NSP}}}FunctionAffected")] == ["ORIGINATE_CALL"]  # free text: template's


def test_nsp_gets_the_other_partys_number_and_the_functions_named_as_codes(client: WorkerTestClient) -> None:
    work_order_id = _create(client, "01.02.01", "13800002002")  # cannot be called: voice_terminate
    (doc,) = _dispatch(client, work_order_id, {
        "terminal_type": "Nokia N95", "fault_place": "Futian", "announcement_heard": "powered off",
        "fault_time": "2026-11-23 08:40", "peer_number": "139-1234-5678",
        "calling_functions_affected": "RECEIVE_CALL, receive_sms"})
    assert _fields(doc)["peer_number"] == "13912345678"  # as the template checks it
    # a time without offset is the operator's (Shenzhen, +08:00)
    assert datetime.fromisoformat(doc.findtext(f"{{{NSP}}}OccurredAt") or "") == datetime.fromisoformat(
        "2026-11-23T08:40:00+08:00")
    assert [f.text for f in doc.iterfind(f"{{{NSP}}}FunctionAffected")] == ["RECEIVE_CALL", "RECEIVE_SMS"]


@pytest.mark.parametrize(("category", "department", "fields"), [
    ("04.01.01", "DSMP", {"sp_code": "901234", "service_code": "ABC", "access_number": "10661234",
                          "fault_time": "2026-11-23T08:40:00+08:00", "amount": "10.00"}),
    ("07.01.02", "SERVICE_QUALITY", {"handling_time": "2026-11-23T08:40:00+08:00", "staff_id": "A1024",
                                     "complaint_details": "The agent hung up on me",
                                     "customer_demand": "An apology"}),
])
def test_a_dispatch_to_a_department_not_reached_through_nsp_is_its_oa_todo(
        client: WorkerTestClient, category: str, department: str, fields: dict[str, str]) -> None:
    work_order_id = _create(client, category, "13800004000")
    sent = _dispatch(client, work_order_id, fields, keep_target=False)
    (todo,) = [doc for doc in sent if etree.QName(doc).localname == "PushTodo"]
    assert todo.findtext(f"{{{OA}}}UserId") == department
    assert todo.findtext(f"{{{OA}}}ItemId") == f"{work_order_id}-dsp1"  # not an escalation's -esc<level>-<step>
    assert todo.findtext(f"{{{OA}}}WorkOrderId") == work_order_id
    summary = todo.findtext(f"{{{OA}}}Summary") or ""
    for name, value in fields.items():
        assert f"{name}: {value}" in summary


def test_a_vip_complaint_replied_tells_the_account_manager_of_the_return_visit(client: WorkerTestClient,
                                                                               runtime: WorkflowRuntime) -> None:
    work_order_id = _create(client, "01.02.03", "13800005001")  # the fixture's BOSS: VIP_GOLD, am-0755-0042
    runtime.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    before = len(client.sent)
    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    replied = envelope(document, message_id)
    reply = answer(client.request(replied))
    assert text(reply, "wo:State") == "REPLIED"
    notices = [(e, etree.fromstring(e.payload)) for e, _ in client.sent[before:]
               if e.command_type == "crm.NotifyAccountManager"]
    assert len(notices) == 1
    sent, notice = notices[0]
    assert notice.findtext(f"{{{CRM}}}AccountManagerId") == "am-0755-0042"
    assert notice.findtext(f"{{{CRM}}}WorkOrderId") == work_order_id
    due = text(reply, "wo:Deadlines/wo:ReturnVisitDue")
    assert due is not None
    assert datetime.fromisoformat(notice.findtext(f"{{{CRM}}}DueAt") or "") == datetime.fromisoformat(due)
    assert "return visit" in (notice.findtext(f"{{{CRM}}}Summary") or "")
    after = len(client.sent)
    client.request(replied)  # a redelivery: the same answer, nothing sent again
    assert [e for e, _ in client.sent[after:] if e.command_type == "crm.NotifyAccountManager"] == []
    assert sent.message_id != message_id  # derived from the replying message and the step


def test_the_lifecycle_documentation_says_where_a_department_dispatch_goes_and_how_it_is_answered() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert "`<work order id>-dsp<n>`" in doc
    assert "The department answers through WorkOrderAction" in doc
