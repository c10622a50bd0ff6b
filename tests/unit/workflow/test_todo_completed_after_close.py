"""A manager completes in OA a to-do the hub has closed meanwhile (the work order cancelled, replied, handed on,
and the hub's CompleteTodo not yet in OA): OA's CompleteTodo has no answer, so a refusal only dead-letters a letter
nobody can act on, on every such race. The completion is noted in the history instead (field ``oa_todo_late``, the
note "to-do already closed by the hub; completion noted"), nothing else moves, and the call-back is acked. A to-do
the hub never opened stays refused (``unknown-todo``, ``stale-todo``, ``callback-not-expected``)."""

from __future__ import annotations

import uuid

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import SendResult, WorkerTestClient
from hub.workflow.late_completions import CLOSED_NOTE, LATE_FIELD
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import OA, complete_todo, created, dispatch, send, state
from tests.unit.workflow.kit import EXAMPLES, text
from tests.unit.workflow.test_callbacks_checked import refused

pytestmark = pytest.mark.unit


def late_entries(runtime: WorkflowRuntime, work_order_id: str) -> list[tuple[str, str, str, str]]:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return [(h["system"], h["actor"], h["new_value"], h["note"]) for h in view.history if h["field"] == LATE_FIELD]


def completed(client: WorkerTestClient, item_id: str, user: str, outcome: str = "called the customer") -> SendResult:
    document = etree.parse(str(EXAMPLES / "oa" / "CompleteTodo.valid.xml")).getroot()
    document.find(f"{{{OA}}}ItemId").text = item_id
    document.find(f"{{{OA}}}UserId").text = user
    document.find(f"{{{OA}}}Outcome").text = outcome
    return client.send(Envelope(f"oa-{uuid.uuid4().hex[:16]}", "oa.CompleteTodo", "OA", etree.tostring(document)))


def test_a_hand_up_todo_completed_after_the_work_order_was_cancelled_is_noted(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id,
         **{"Escalate/wo:ToDepartment": "CS-ESCALATION"})
    assert text(send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id), "wo:State") == "CANCELLED"
    result = completed(client, f"{work_order_id}-esc1-0", "CS-ESCALATION")
    assert result.processed and not result.dead, result.reason
    assert late_entries(runtime, work_order_id) == [
        ("OA", "CS-ESCALATION", f"{work_order_id}-esc1-0: called the customer", CLOSED_NOTE)]
    assert CLOSED_NOTE == "to-do already closed by the hub; completion noted"
    assert state(client, work_order_id) == "CANCELLED"
    again = completed(client, f"{work_order_id}-esc1-0", "CS-ESCALATION")  # OA sent it again (another MessageId)
    assert again.processed and len(late_entries(runtime, work_order_id)) == 1  # noted once


def test_a_todo_the_hub_closed_on_a_reply_is_noted_and_moves_nothing(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)
    assert text(send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id), "wo:State") == "REPLIED"
    since = len(client.sent)
    assert complete_todo(client, f"{work_order_id}-esc1-0").processed
    assert state(client, work_order_id) == "REPLIED" and client.sent[since:] == []  # no START, nothing sent
    assert [entry[3] for entry in late_entries(runtime, work_order_id)] == [CLOSED_NOTE]


def test_a_department_todo_the_hub_closed_is_noted(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    assert text(dispatch(client, work_order_id, to_system="BOSS"), "wo:State") == "DISPATCHED"  # NOC-PROV's to-do
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    assert complete_todo(client, f"{work_order_id}-dsp1", "NOC-PROV").processed
    assert [entry[3] for entry in late_entries(runtime, work_order_id)] == [CLOSED_NOTE]


def test_a_todo_the_hub_never_opened_is_still_refused(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)  # to NSP: no department to-do
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    refused(complete_todo(client, f"{work_order_id}-esc1-0"), "callback-not-expected")  # never escalated
    refused(complete_todo(client, f"{work_order_id}-dsp1", "NOC-PROV"), "stale-todo")  # never pushed
    refused(complete_todo(client, f"{work_order_id}-not-a-todo-of-the-hub"), "unknown-todo")
    assert late_entries(runtime, work_order_id) == []
