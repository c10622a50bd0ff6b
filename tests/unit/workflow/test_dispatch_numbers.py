"""The work order's own numbers in a dispatch's fields (hotline intake audit, repro_4 and repro_6; its review).

A field ``msisdn`` that is not the work order's subscriber number (the agent typed the number the customer calls
from) sent NSP two subscriber numbers: it is refused ``msisdn-mismatch`` naming both, at intake and at a Dispatch.
A new call-back number (``contact_number``) given with a dispatch went to NSP only: it is taken onto the work order
(QueryWorkOrder's ContactNumber) with a field entry of its history, in the dispatch's transaction."""

from __future__ import annotations

import io
import logging
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from rich.console import Console
from sqlalchemy import func, insert, select

from hub.cli.workorder_view import print_work_order
from hub.observability.metrics import Metrics
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.queries import load_work_order
from hub.workflow.store.schema import work_order_events
from hub.workflow.store.work_order_tables import work_order_history, work_orders
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


def test_a_call_back_number_kept_from_intake_is_spent_by_a_first_dispatch_that_gave_the_work_orders(
        client: WorkerTestClient) -> None:
    """The first Dispatch gave the work order's own number (no history entry): the intake's number, which the agent
    overrode, does not come back at the re-dispatch after a REJECT_DISPATCH (review repro_4)."""
    answered = create_with(client, "CreateWorkOrder.valid.xml", terminal_type="Nokia N95",
                           contact_number="13912345678")
    work_order_id = text(answered, "wo:WorkOrderId") or ""
    assert text(dispatch(client, work_order_id, contact_number=CONTACT), "wo:State") == "DISPATCHED"
    assert text(act(client, work_order_id, "WorkOrderAction.valid-reject-dispatch.xml"), "wo:State")
    assert text(dispatch(client, work_order_id), "wo:State") == "DISPATCHED"
    assert text(query(client, work_order_id), "wo:WorkOrder/wo:ContactNumber") == CONTACT
    assert [d.findtext(f"{NSP}ContactNumber") for d in nsp_dispatches(client)] == ["075583765432"] * 2
    assert not entries(client, work_order_id, "contact_number")


@pytest.mark.parametrize("spelt", ["8613800138000", "86 138 0013 8000", "86-138-0013-8000"])
def test_the_subscribers_number_with_a_bare_country_code_is_no_mismatch(client: WorkerTestClient,
                                                                         spelt: str) -> None:
    """As BOSS and HLR screens write an MSISDN (review repro_2): the subscriber's number, dispatched as such."""
    answered = create_with(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", msisdn=spelt)
    assert text(answered, "wo:State") == "DISPATCHED", etree.tostring(answered)
    (sent,) = nsp_dispatches(client)
    assert [f.text for f in sent.iterfind(f"{NSP}Field") if f.get("name") == "msisdn"] == [SUBSCRIBER]


def test_an_msisdn_field_that_is_no_mobile_number_is_left_to_the_template_check(client: WorkerTestClient) -> None:
    answered = create_with(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", msisdn="0755-83765432")
    assert answered.findtext(f"{{{C}}}Code") is None, etree.tostring(answered)
    assert text(answered, "wo:State") == "ACCEPTED"  # kept, the template's check says what is wrong
    assert not nsp_dispatches(client)
    work_order_id = text(answered, "wo:WorkOrderId") or ""
    refused = dispatch(client, work_order_id, msisdn="12345")
    assert refused.findtext(f"{{{C}}}Code") == "dispatch-incomplete", etree.tostring(refused)


def test_another_subscriber_number_kept_from_intake_before_the_check_is_set_aside(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """Kept by a hub before msisdn-mismatch (review repro_3): a Dispatch leaving the field out is not refused for
    it, dispatches the work order's number and says so in the history."""
    work_order_id = text(create_with(client, "CreateWorkOrder.valid.xml", terminal_type="Nokia N95"),
                         "wo:WorkOrderId") or ""
    with runtime.store.engine.begin() as db:  # as a hub before msisdn-mismatch kept a CreateWorkOrder's field
        seq = db.execute(select(func.max(work_order_history.c.seq)).where(
            work_order_history.c.work_order_id == work_order_id)).scalar_one()
        db.execute(insert(work_order_history).values(
            work_order_id=work_order_id, seq=seq + 1, at=datetime.now(UTC), actor="agent", system="CS",
            kind="field", action="INTAKE_FIELD", field="intake.msisdn", new_value="13912345678",
            note="given at intake"))
    moved = dispatch(client, work_order_id)
    assert text(moved, "wo:State") == "DISPATCHED", etree.tostring(moved)
    (sent,) = nsp_dispatches(client)
    assert [f.text for f in sent.iterfind(f"{NSP}Field") if f.get("name") == "msisdn"] == [SUBSCRIBER]
    (entry,) = [e for e in entries(client, work_order_id, "intake.msisdn") if e["Action"] == "INTAKE_FIELD_SET_ASIDE"]
    assert (entry["OldValue"], entry["NewValue"]) == ("13912345678", SUBSCRIBER)
    assert "left out" in (entry["Note"] or "")


def test_a_replaced_contact_number_stays_masked_in_the_cli_and_the_listeners_events(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """The row no longer names the fixed-line number a dispatch replaced; the description and a note still quote
    it (review repro_1): ``workorders show`` and every later event hide it to its last four digits."""
    document, message_id = command("CreateWorkOrder.valid.xml",
                                   Description=f"Office line {CONTACT} cannot call out since this morning.")
    work_order_id = text(answer(client.request(envelope(document, message_id))), "wo:WorkOrderId") or ""
    assert text(dispatch(client, work_order_id, contact_number="13912345678"), "wo:State") == "DISPATCHED"
    document, message_id = command("WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id)
    document.find(f"{{{WO}}}Remind/{{{WO}}}Reason").text = f"Customer again: the office line {CONTACT} is still dead"
    answer(client.request(envelope(document, message_id)))
    with runtime.store.engine.connect() as db:
        view = load_work_order(db, work_order_id)
        payloads = [p for (p,) in db.execute(select(work_order_events.c.payload).where(
            work_order_events.c.work_order_id == work_order_id))]
    assert view.row["contact_number"] == "13912345678"
    assert any("********5432" in p for p in payloads) and not any("83765432" in p for p in payloads)
    printed = {}
    for unmasked in (False, True):
        out = io.StringIO()
        print_work_order(Console(file=out, width=250), view, ZoneInfo("Asia/Shanghai"), unmasked=unmasked)
        printed[unmasked] = out.getvalue()
    assert "83765432" not in printed[False] and "Office line …5432 cannot" in printed[False]
    assert "the office line …5432 is still dead" in printed[False]
    assert f"Office line {CONTACT}" in printed[True]
