"""The work order's own numbers in a dispatch's fields (hotline intake audit, repro_4 and repro_6).

A field ``msisdn`` that is not the work order's subscriber number (the agent typed the number the customer calls
from) sent NSP two subscriber numbers: it is refused ``msisdn-mismatch`` naming both, at intake and at a Dispatch.
A new call-back number (``contact_number``) given with a dispatch went to NSP only: it is taken onto the work order
(QueryWorkOrder's ContactNumber) with a field entry of its history, in the dispatch's transaction."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from lxml import etree
from sqlalchemy import func, select

from hub.observability.metrics import Metrics
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.work_order_tables import work_orders
from tests.unit.workflow.audit_kit import SCHEMA
from tests.unit.workflow.incident_kit import nsp_dispatches, query
from tests.unit.workflow.kit import WO, C, act, answer, command, envelope, template_dispatch, text
from tests.unit.workflow.test_statistics_counters import check_rebuild, measures

pytestmark = pytest.mark.unit

NSP = "{urn:onepoint:nsp:1}"
SUBSCRIBER = "13800138000"  # the examples' wo:Msisdn
CONTACT = "0755-83765432"  # the examples' wo:ContactNumber
FIELDS = {"terminal_type": "Nokia N95", "fault_time": "2026-11-23T08:40:00+08:00", "fault_place": "Civic Center",
          "announcement_heard": "cannot be connected", "calling_functions_affected": "local"}  # voice_originate's


def create_with(client: WorkerTestClient, example: str, **fields: str) -> etree._Element:
    """The example CreateWorkOrder with ``fields`` added as its ``wo:Field``s; the answer."""
    document, message_id = command(example)
    for name, value in fields.items():
        etree.SubElement(document, f"{{{WO}}}Field", name=name).text = value
    assert SCHEMA.validate(document), SCHEMA.error_log
    return answer(client.request(envelope(document, message_id)))


def dispatch(client: WorkerTestClient, work_order_id: str, **fields: str) -> etree._Element:
    return answer(client.request(envelope(*template_dispatch(work_order_id, {**FIELDS, **fields}))))


def created(client: WorkerTestClient) -> str:
    return text(create_with(client, "CreateWorkOrder.valid.xml"), "wo:WorkOrderId") or ""


def work_order_count(runtime: WorkflowRuntime) -> int:
    with runtime.store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(work_orders)).scalar_one())


def entries(client: WorkerTestClient, work_order_id: str, field: str) -> list[dict[str, str | None]]:
    shown = query(client, work_order_id)
    return [{name: h.findtext(f"{{{WO}}}{name}") for name in ("Action", "OldValue", "NewValue", "Note")}
            for h in shown.iterfind(f"{{{WO}}}WorkOrder/{{{WO}}}History") if h.findtext(f"{{{WO}}}Field") == field]


# -- the subscriber's number -----------------------------------------------------------------------------------

def test_a_complaint_whose_msisdn_field_is_another_number_is_refused_naming_both(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    runtime.metrics = metrics = Metrics()
    refused = create_with(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", msisdn="139 1234 5678")
    assert refused.findtext(f"{{{C}}}Code") == "msisdn-mismatch", etree.tostring(refused)
    said = refused.findtext(f"{{{C}}}Message") or ""
    assert "13912345678" in said and SUBSCRIBER in said
    assert not nsp_dispatches(client) and work_order_count(runtime) == 0  # nothing written, nothing sent
    assert metrics.value("onepoint_work_order_refusals_total", code="msisdn-mismatch") == 1


def test_the_subscribers_own_number_however_spelt_is_no_mismatch(client: WorkerTestClient) -> None:
    answered = create_with(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", msisdn="+86 138-0013-8000")
    assert text(answered, "wo:State") == "DISPATCHED", etree.tostring(answered)
    (sent,) = nsp_dispatches(client)
    field = [f.text for f in sent.iterfind(f"{NSP}Field") if f.get("name") == "msisdn"]
    assert sent.findtext(f"{NSP}Msisdn") == SUBSCRIBER and field == [SUBSCRIBER]


def test_a_dispatch_whose_msisdn_field_is_another_number_is_refused_and_counted(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    runtime.metrics = metrics = Metrics()
    work_order_id = created(client)
    refused = dispatch(client, work_order_id, msisdn="13912345678")
    assert refused.findtext(f"{{{C}}}Code") == "msisdn-mismatch", etree.tostring(refused)
    said = refused.findtext(f"{{{C}}}Message") or ""
    assert "13912345678" in said and SUBSCRIBER in said and work_order_id in said
    assert not nsp_dispatches(client)
    assert text(query(client, work_order_id), "wo:WorkOrder/wo:State") == "ACCEPTED"
    (entry,) = entries(client, work_order_id, "dispatch")
    assert entry["Action"] == "DISPATCH_REFUSED" and "13912345678" in (entry["NewValue"] or "")
    assert metrics.value("onepoint_work_order_refusals_total", code="msisdn-mismatch") == 1
    assert measures(runtime) == Counter(created=1, dispatch_refused=1)  # as a dispatch-incomplete is
    check_rebuild(runtime)
    assert text(dispatch(client, work_order_id, msisdn=SUBSCRIBER), "wo:State") == "DISPATCHED"


# -- the call-back number --------------------------------------------------------------------------------------

def test_a_new_call_back_number_given_with_a_dispatch_is_the_work_orders(
        client: WorkerTestClient, caplog: pytest.LogCaptureFixture) -> None:
    work_order_id = created(client)
    with caplog.at_level(logging.INFO, logger="onepoint.workflow"):
        moved = dispatch(client, work_order_id, contact_number="139-1234-5678")
    assert text(moved, "wo:State") == "DISPATCHED", etree.tostring(moved)
    (sent,) = nsp_dispatches(client)
    shown = query(client, work_order_id)
    assert text(shown, "wo:WorkOrder/wo:ContactNumber") == sent.findtext(f"{NSP}ContactNumber") == "13912345678"
    (entry,) = entries(client, work_order_id, "contact_number")
    assert (entry["OldValue"], entry["NewValue"]) == (CONTACT, "13912345678")
    logged = "\n".join(str(r.__dict__) for r in caplog.records)
    assert "work order contact number" in caplog.text and "*******5678" in logged
    assert "13912345678" not in logged and "83765432" not in logged  # masked as the numbers are everywhere


def test_the_work_orders_own_call_back_number_however_spelt_changes_nothing(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    assert text(dispatch(client, work_order_id, contact_number="0755 8376 5432"), "wo:State") == "DISPATCHED"
    assert text(query(client, work_order_id), "wo:WorkOrder/wo:ContactNumber") == CONTACT
    assert not entries(client, work_order_id, "contact_number")


def test_a_call_back_number_given_at_intake_and_dispatched_there_is_the_work_orders(
        client: WorkerTestClient) -> None:
    answered = create_with(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", contact_number="13912345678")
    assert text(answered, "wo:State") == "DISPATCHED"
    work_order_id = text(answered, "wo:WorkOrderId") or ""
    assert text(query(client, work_order_id), "wo:WorkOrder/wo:ContactNumber") == "13912345678"


def test_a_call_back_number_kept_from_intake_gives_way_to_a_later_dispatchs(client: WorkerTestClient) -> None:
    """Kept from intake (the complaint not dispatched then), taken at the first dispatch; a second dispatch's own
    number replaces it, and a third that gives none sends that one, not the intake's again."""
    answered = create_with(client, "CreateWorkOrder.valid.xml", terminal_type="Nokia N95",
                           contact_number="13912345678")
    work_order_id = text(answered, "wo:WorkOrderId") or ""
    assert text(answered, "wo:State") == "ACCEPTED"
    fields = {name: value for name, value in FIELDS.items() if name != "terminal_type"}
    assert text(answer(client.request(envelope(*template_dispatch(work_order_id, fields)))),
                "wo:State") == "DISPATCHED"
    assert text(query(client, work_order_id), "wo:WorkOrder/wo:ContactNumber") == "13912345678"
    for number in ("13700137000", None):
        assert text(act(client, work_order_id, "WorkOrderAction.valid-reject-dispatch.xml"), "wo:State")
        given = dict(fields) if number is None else {**fields, "contact_number": number}
        assert text(answer(client.request(envelope(*template_dispatch(work_order_id, given)))),
                    "wo:State") == "DISPATCHED"
        assert nsp_dispatches(client)[-1].findtext(f"{NSP}ContactNumber") == "13700137000"
    assert text(query(client, work_order_id), "wo:WorkOrder/wo:ContactNumber") == "13700137000"
    assert [(e["OldValue"], e["NewValue"]) for e in entries(client, work_order_id, "contact_number")] == [
        (CONTACT, "13912345678"), ("13912345678", "13700137000")]
