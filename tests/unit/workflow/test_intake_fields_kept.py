"""Template fields a complaint carried at intake without completing its template are kept for its Dispatch: the
history shows each (QueryWorkOrder) and says the work order waits for a dispatch and what is still missing; a later
Dispatch giving only the rest is checked and sent with them (its own values winning), neither refused listing
the fields the customer had answered nor counted as a poor dispatch."""

from __future__ import annotations

from importlib import resources

import pytest
from lxml import etree

from hub.observability.metrics import Metrics
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import NS
from tests.unit.workflow.kit import WO, answer, command, envelope, text

pytestmark = pytest.mark.unit

LAST = "calling_functions_affected"  # the template's (voice_originate) fifth field, left out at intake


def four_of_five(client: WorkerTestClient) -> etree._Element:
    """The dispatch-at-intake example without its ``calling_functions_affected``."""
    document, message_id = command("CreateWorkOrder.valid-dispatch-at-intake.xml")
    (last,) = [f for f in document.iterfind(f"{{{WO}}}Field") if f.get("name") == LAST]
    document.remove(last)
    return answer(client.request(envelope(document, message_id)))


def dispatch_with(client: WorkerTestClient, work_order_id: str, **fields: str) -> etree._Element:
    """The example Dispatch carrying only ``fields``."""
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    action = document.find(f"{{{WO}}}Dispatch")
    assert action is not None
    for field in action.findall(f"{{{WO}}}Field"):
        if field.get("name") not in fields:
            action.remove(field)
        else:
            field.text = fields[field.get("name", "")]
    return answer(client.request(envelope(document, message_id)))


def history(client: WorkerTestClient, work_order_id: str) -> list[dict[str, str | None]]:
    document, message_id = command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    found = answer(client.request(envelope(document, message_id)))
    return [{name: text(h, f"wo:{name}") for name in ("Action", "Field", "NewValue", "Note")}
            for h in found.iterfind("wo:WorkOrder/wo:History", NS)]


def test_the_fields_given_at_intake_are_kept_shown_and_dispatched_with_the_rest(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    runtime.metrics = metrics = Metrics()
    created = four_of_five(client)
    assert text(created, "wo:State") == "ACCEPTED"  # not dispatched: the answer has no element for what is missing
    work_order_id = text(created, "wo:WorkOrderId") or ""

    entries = history(client, work_order_id)
    kept = {e["Field"]: e["NewValue"] for e in entries if e["Action"] == "INTAKE_FIELD"}
    assert kept["intake.terminal_type"] == "Nokia N95"
    assert set(kept) == {"intake.terminal_type", "intake.fault_time", "intake.fault_place",
                         "intake.announcement_heard"}
    (waiting,) = [e for e in entries if e["Action"] == "DISPATCH_WAITING"]
    assert LAST in (waiting["NewValue"] or "") and "terminal_type" not in (waiting["NewValue"] or "")
    assert "not dispatched at intake" in (waiting["Note"] or "")

    moved = dispatch_with(client, work_order_id, **{LAST: "local only"})
    assert text(moved, "wo:State") == "DISPATCHED", etree.tostring(moved)
    sent, _ = client.sent[-1]
    assert sent.command_type == "nsp.NetworkComplaintDispatch"
    assert b"Nokia N95" in sent.payload and b"local only" in sent.payload
    assert metrics.value("onepoint_work_order_refusals_total", code="dispatch-incomplete") == 0
    assert not [e for e in history(client, work_order_id) if e["Action"] == "DISPATCH_REFUSED"]


def test_the_dispatchs_own_value_wins_over_the_one_given_at_intake(client: WorkerTestClient) -> None:
    work_order_id = text(four_of_five(client), "wo:WorkOrderId") or ""
    moved = dispatch_with(client, work_order_id, terminal_type="Huawei P60", **{LAST: "local only"})
    assert text(moved, "wo:State") == "DISPATCHED"
    sent, _ = client.sent[-1]
    assert b"Huawei P60" in sent.payload and b"Nokia N95" not in sent.payload


def test_a_complaint_dispatched_at_intake_keeps_no_separate_intake_fields(client: WorkerTestClient) -> None:
    created = answer(client.request(envelope(*command("CreateWorkOrder.valid-dispatch-at-intake.xml"))))
    assert text(created, "wo:State") == "DISPATCHED"
    entries = history(client, text(created, "wo:WorkOrderId") or "")
    assert not [e for e in entries if e["Action"] in ("INTAKE_FIELD", "DISPATCH_WAITING")]


def test_query_work_order_shows_what_a_complaint_dispatched_at_intake_was_sent_with(
        client: WorkerTestClient) -> None:
    """A complaint whose intake fields complete its template is dispatched at once and writes no field entries: its
    QueryWorkOrder showed nothing of what NSP was sent (front-end audit, repro_4). It shows the description, the
    location, the contact number and each dispatch field as kept (the answer is checked against workorder.xsd)."""
    document, message_id = command("CreateWorkOrder.valid-dispatch-at-intake.xml")
    sent = {f.get("name"): f.text for f in document.iterfind(f"{{{WO}}}Field")}
    created = answer(client.request(envelope(document, message_id)))
    assert text(created, "wo:State") == "DISPATCHED"
    query, query_id = command("QueryWorkOrder.valid.xml", WorkOrderId=text(created, "wo:WorkOrderId") or "")
    answered = answer(client.request(envelope(query, query_id)))
    schema = etree.XMLSchema(etree.parse(str(resources.files("onepoint_schemas") / "workorder.xsd")))
    schema.assertValid(answered)
    shown = answered.find("wo:WorkOrder", NS)
    assert shown is not None
    fields = {f.get("name"): f.text for f in shown.iterfind("wo:DispatchField", NS)}
    assert {name: fields.get(name) for name in sent} == sent and "msisdn" in fields
    assert text(shown, "wo:Description") == document.findtext(f"{{{WO}}}Description")
    assert text(shown, "wo:ContactNumber") is not None


def test_a_bad_value_given_at_intake_is_named_as_such_in_the_refusal(client: WorkerTestClient) -> None:
    """The Dispatch refused for a value the agent did not send in it says the value came from intake."""
    document, message_id = command("CreateWorkOrder.valid-dispatch-at-intake.xml")
    for field in document.iterfind(f"{{{WO}}}Field"):
        if field.get("name") == "fault_time":
            field.text = "yesterday evening"
    created = answer(client.request(envelope(document, message_id)))
    assert text(created, "wo:State") == "ACCEPTED"  # the intake's fields did not make a dispatch
    refused = dispatch_with(client, text(created, "wo:WorkOrderId") or "", terminal_type="Huawei P60")
    said = text(refused, "c:Message") or ""
    assert "fault_time (Fault time): not a date and time (YYYY-MM-DD HH:MM) (the value given at intake)" in said
    assert "terminal_type" not in said
