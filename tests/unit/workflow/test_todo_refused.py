"""OA refused for good the to-do the hub pushed for a work order (``oa.TodoRefused``, the OA adapter's word,
source HUB): the workflow notes it in the history (``TODO_REFUSED``, the item id, OA's code and reason), the state
left alone. The to-do counts as never opened: the hub does not close it in OA later, OA's completion of it is
refused. Only the hub may say so (``not-from-hub``). Before, no such command existed: the work order stayed
ESCALATED, its history reading as if the manager had been given the to-do."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import SendResult, WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import OA, complete_todo, created, send, state
from tests.unit.workflow.kit import EXAMPLES

pytestmark = pytest.mark.unit


def todo_refused(client: WorkerTestClient, work_order_id: str, source: str = "HUB",
                 message_id: str = "hub-refused-000000001") -> SendResult:
    document = etree.parse(str(EXAMPLES / "oa" / "TodoRefused.valid.xml")).getroot()
    document.find(f"{{{OA}}}ItemId").text = f"{work_order_id}-esc1-0"
    document.find(f"{{{OA}}}WorkOrderId").text = work_order_id
    document.find(f"{{{OA}}}Header/{{urn:onepoint:common:1}}SourceSystem").text = source
    return client.send(Envelope(message_id, "oa.TodoRefused", source, etree.tostring(document)))


def entries(runtime: WorkflowRuntime, work_order_id: str, field: str) -> list[dict[str, object]]:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return [h for h in view.history if h["field"] == field]


def test_oas_refusal_is_noted_on_the_work_order(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)
    result = todo_refused(client, work_order_id)
    assert result.processed and not result.dead, result.reason
    (entry,) = entries(runtime, work_order_id, "oa_todo_refused")
    assert (entry["action"], entry["system"], entry["new_value"]) == ("TODO_REFUSED", "HUB",
                                                                     f"{work_order_id}-esc1-0")
    assert "unknown-user" in str(entry["note"]) and "CS-ESCALATION" in str(entry["note"])
    assert state(client, work_order_id) == "ESCALATED"  # the state stays: the supervisors act
    assert todo_refused(client, work_order_id).duplicate  # told twice (the push handled again): noted once
    assert len(entries(runtime, work_order_id, "oa_todo_refused")) == 1
    stale = complete_todo(client, f"{work_order_id}-esc1-0")
    assert stale.dead and "stale-todo" in (stale.reason or "")
    before = len(client.sent)
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    assert [e for e, _ in client.sent[before:] if e.command_type == "oa.CompleteTodo"] == []  # nothing to close
    assert entries(runtime, work_order_id, "oa_todo_closed") == []


def test_only_the_hub_says_oa_refused(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)
    result = todo_refused(client, work_order_id, source="OA")
    assert result.dead and "not-from-hub" in (result.reason or "")
    assert entries(runtime, work_order_id, "oa_todo_refused") == []
