"""A repeat complaint at intake (docs/lifecycle.md, "A repeat complaint of an open work order"): one whose template
fields are complete is not dispatched again while a department holds the first, which is reminded instead
(``RepeatOf``); the repeat check takes an open complaint of any age and leaves out a mistaken entry (cancelled
before any dispatch); a dispatch at intake not made says why (``DispatchRefused``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import NS, SCHEMA, dispatch, history, send, state
from tests.unit.workflow.incident_kit import nsp_dispatches
from tests.unit.workflow.kit import answer, command, envelope, text

pytestmark = pytest.mark.unit

AT_INTAKE = "CreateWorkOrder.valid-dispatch-at-intake.xml"


def later(runtime: WorkflowRuntime, **delta: float) -> None:
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(**delta))


def created_with(client: WorkerTestClient, **fields: str) -> etree._Element:
    """The dispatch-at-intake example with each named template field's value replaced."""
    document, message_id = command(AT_INTAKE)
    for element in document.iterfind("wo:Field", NS):
        if element.get("name") in fields:
            element.text = fields[element.get("name")]
    created = answer(client.request(envelope(document, message_id)))
    assert SCHEMA.validate(created), SCHEMA.error_log
    return created


def test_a_repeat_of_a_complaint_nsp_holds_is_not_dispatched_again_but_reminds_it(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    first = send(client, AT_INTAKE)
    first_id = text(first, "wo:WorkOrderId") or ""
    later(runtime, hours=2)
    second = send(client, AT_INTAKE)
    assert SCHEMA.validate(second), SCHEMA.error_log
    second_id = text(second, "wo:WorkOrderId") or ""
    assert (text(first, "wo:State"), text(second, "wo:State")) == ("DISPATCHED", "SUSPENDED")  # held
    assert text(second, "wo:RepeatComplaint") == "true" and len(nsp_dispatches(client)) == 1
    assert text(second, "wo:RepeatOf") == first_id
    assert second.find("wo:RepeatOf", NS).get("reminded") == "true"
    assert ("CS", "REMIND") in history(client, first_id)
    shown = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=second_id)
    notes = [text(h, "wo:Note") or "" for h in shown.iterfind("wo:WorkOrder/wo:History", NS)
             if text(h, "wo:Action") == "REPEAT_OF"]
    assert len(notes) == 1 and first_id in notes[0]
    assert [e.command_type for e, _ in client.sent].count("oa.PushToRead") == 1  # the owner hurried
    # the agent may still resume and dispatch it: the fields given at intake carry it
    assert text(send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=second_id), "wo:State") == "ACCEPTED"
    assert text(dispatch(client, second_id), "wo:State") == "DISPATCHED" and len(nsp_dispatches(client)) == 2


def test_ten_calls_in_half_an_hour_send_nsp_one_dispatch(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    answers = []
    for _ in range(10):
        later(runtime, minutes=3)
        answers.append(send(client, AT_INTAKE))
    first_id = text(answers[0], "wo:WorkOrderId")
    assert len(nsp_dispatches(client)) == 1
    assert {text(a, "wo:RepeatOf") for a in answers[1:]} == {first_id}
    sent = [e.command_type for e, _ in client.sent]  # one notice per call: the creation's, then each reminder's
    assert (sent.count("crm.NotifyAccountManager"), sent.count("oa.PushToRead")) == (10, 9)


def test_a_repeat_of_a_finished_complaint_is_dispatched_as_before(client: WorkerTestClient,
                                                                  runtime: WorkflowRuntime) -> None:
    first_id = text(send(client, AT_INTAKE), "wo:WorkOrderId") or ""
    assert text(send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first_id), "wo:State") == "REPLIED"
    later(runtime, hours=2)
    second = send(client, AT_INTAKE)  # the fault came back
    assert (text(second, "wo:State"), text(second, "wo:RepeatComplaint")) == ("DISPATCHED", "true")
    assert second.find("wo:RepeatOf", NS) is None and len(nsp_dispatches(client)) == 2


def test_an_open_complaint_older_than_the_repeat_window_is_repeated(client: WorkerTestClient,
                                                                    runtime: WorkflowRuntime) -> None:
    first_id = text(send(client, AT_INTAKE), "wo:WorkOrderId")
    later(runtime, days=8)  # beyond repeat_window_hours (168), still DISPATCHED
    second = send(client, AT_INTAKE)
    assert (text(second, "wo:RepeatComplaint"), text(second, "wo:RepeatOf")) == ("true", first_id)
    assert len(nsp_dispatches(client)) == 1


def test_a_finished_complaint_older_than_the_repeat_window_is_not_repeated(client: WorkerTestClient,
                                                                           runtime: WorkflowRuntime) -> None:
    first_id = text(send(client, AT_INTAKE), "wo:WorkOrderId") or ""
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=first_id)  # after its dispatch: a complaint
    later(runtime, days=8)  # finished, and beyond the window
    assert text(send(client, AT_INTAKE), "wo:RepeatComplaint") == "false"


def test_a_mistaken_entry_cancelled_before_any_dispatch_is_no_earlier_complaint(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    mistaken = text(send(client, "CreateWorkOrder.valid.xml"), "wo:WorkOrderId") or ""
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=mistaken)
    later(runtime, minutes=3)
    refiled = send(client, "CreateWorkOrder.valid.xml")
    assert text(refiled, "wo:RepeatComplaint") == "false"


def test_one_cancelled_after_a_dispatch_still_counts(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    dispatched = text(send(client, AT_INTAKE), "wo:WorkOrderId") or ""
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=dispatched)
    assert state(client, dispatched) == "CANCELLED"
    later(runtime, minutes=3)
    again = send(client, AT_INTAKE)
    assert (text(again, "wo:RepeatComplaint"), text(again, "wo:State")) == ("true", "DISPATCHED")


def test_a_dispatch_at_intake_not_made_says_why(client: WorkerTestClient) -> None:
    created = created_with(client, fault_time="今天早上8点40")
    refused = created.find("wo:DispatchRefused", NS)
    assert text(created, "wo:State") == "ACCEPTED" and refused is not None
    assert refused.get("code") == "dispatch-incomplete"
    assert [e.text for e in refused.iterfind("wo:FieldName", NS)] == ["fault_time"]
    assert "fault_time" in (text(refused, "wo:Reason") or "") and not nsp_dispatches(client)


def test_a_complete_dispatch_at_intake_says_nothing_of_a_refusal(client: WorkerTestClient) -> None:
    created = created_with(client)
    assert text(created, "wo:State") == "DISPATCHED"
    assert created.find("wo:DispatchRefused", NS) is None and created.find("wo:RepeatOf", NS) is None
