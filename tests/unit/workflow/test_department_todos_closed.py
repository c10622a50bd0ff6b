"""A dispatched department's OA to-do (``<work order>-dsp<n>``) is closed by the hub (``oa:CompleteTodo``, routed to
the OA adapter, an ``oa_todo_closed`` history entry) at the first move that ends the department's part: its
dispatch marked invalid, the work order replied (by anyone), cancelled or closed, or handed to another department;
every other move keeps it open (the rule itself, move by move: test_department_todo_rule.py). OA's completion of
a ``-dsp`` item is recorded when it is the open one, only noted when the hub closed it already
(hub/workflow/late_completions.py), and refused as ``stale-todo`` otherwise (hub/workflow/department_todos.py).
Before, nothing closed those to-dos and every completion of one was refused as ``unknown-todo``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.audit_kit import complete_todo, created, dispatch, history, send, state
from tests.unit.workflow.deadline_kit import clock
from tests.unit.workflow.kit import text
from tests.unit.workflow.test_callbacks_checked import refused
from tests.unit.workflow.test_escalation_todos_closed import closings
from tests.unit.workflow.test_outage_rule import cleared_envelope, complain, notice_envelope

pytestmark = pytest.mark.unit

DEPARTMENT = "NOC-PROV"  # the example dispatch's ToDepartment, sent to BOSS: the department's OA to-do


def _dispatched(client: WorkerTestClient) -> str:
    work_order_id = created(client)
    assert text(dispatch(client, work_order_id, to_system="BOSS"), "wo:State") == "DISPATCHED"
    return work_order_id


def _department_closings(client: WorkerTestClient, since: int = 0) -> list[tuple[str, str]]:
    return [found for found in closings(client, since) if "-dsp" in found[0]]


@pytest.mark.parametrize("moves", [
    ["valid-reject-dispatch"], ["valid-reply"], ["valid-start", "valid-reply"], ["valid-cancel"],
    ["valid-start", "valid-pend", "valid-cancel"], ["valid-suspend", "valid-cancel"], ["valid-escalate"],
    ["valid-start", "valid-escalate"],
], ids="+".join)
def test_a_move_that_ends_the_departments_part_closes_its_todo(client: WorkerTestClient, runtime: WorkflowRuntime,
                                                              moves: list[str]) -> None:
    work_order_id = _dispatched(client)
    for move in moves[:-1]:
        send(client, f"WorkOrderAction.{move}.xml", WorkOrderId=work_order_id)
    assert _department_closings(client) == []
    send(client, f"WorkOrderAction.{moves[-1]}.xml", WorkOrderId=work_order_id)
    assert _department_closings(client) == [(f"{work_order_id}-dsp1", DEPARTMENT)]
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    (entry,) = [h for h in view.history if h["field"] == "oa_todo_closed" and "-dsp" in h["new_value"]]
    assert entry["new_value"] == f"{work_order_id}-dsp1" and f"{DEPARTMENT}'s to-do closed in OA" in entry["note"]


def test_moves_that_keep_the_department_at_work_keep_its_todo(client: WorkerTestClient,
                                                              runtime: WorkflowRuntime) -> None:
    work_order_id = _dispatched(client)
    for move in ("valid-suspend", "valid-resume", "valid-start", "valid-request-info", "valid-supply-info",
                 "valid-pend", "valid-supply-info"):
        send(client, f"WorkOrderAction.{move}.xml", WorkOrderId=work_order_id)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id,
         **{"Escalate/wo:ToDepartment": DEPARTMENT})  # handed up within the department
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    clock(runtime).set(view.row["reply_due"] + timedelta(minutes=1))  # a breach: state and owner stay
    assert DeadlineScheduler(runtime, client.outbound, batch=50).run_pass().escalations >= 1
    assert _department_closings(client) == []
    for move in ("valid-start", "valid-reply", "valid-callback", "valid-close"):
        send(client, f"WorkOrderAction.{move}.xml", WorkOrderId=work_order_id)
    assert _department_closings(client) == [(f"{work_order_id}-dsp1", DEPARTMENT)]  # at the reply, once


def test_a_cleared_outage_replying_the_work_order_closes_its_departments_todo(client: WorkerTestClient,
                                                                             runtime: WorkflowRuntime) -> None:
    work_order_id = text(complain(client), "wo:WorkOrderId") or ""
    dispatch(client, work_order_id, to_system="BOSS")
    assert client.send(notice_envelope()).processed  # a late notice links it: the department keeps working on it
    assert _department_closings(client) == []
    clock(runtime).advance(timedelta(hours=2))
    assert client.send(cleared_envelope()).processed  # the recovery notice replies it
    assert state(client, work_order_id) == "REPLIED"
    assert _department_closings(client) == [(f"{work_order_id}-dsp1", DEPARTMENT)]


def test_a_redispatch_gets_its_own_todo_closed_in_its_turn(client: WorkerTestClient) -> None:
    work_order_id = _dispatched(client)
    send(client, "WorkOrderAction.valid-reject-dispatch.xml", WorkOrderId=work_order_id)
    dispatch(client, work_order_id, to_system="BOSS")  # dispatch 2: its own to-do, nothing closed by it
    assert _department_closings(client) == [(f"{work_order_id}-dsp1", DEPARTMENT)]
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    assert _department_closings(client) == [(f"{work_order_id}-dsp1", DEPARTMENT),
                                            (f"{work_order_id}-dsp2", DEPARTMENT)]


def test_oa_completing_a_department_todo_is_recorded_when_open_and_refused_when_stale(
        client: WorkerTestClient) -> None:
    work_order_id = _dispatched(client)
    refused(complete_todo(client, f"{work_order_id}-dsp2", DEPARTMENT), "stale-todo")  # no such dispatch yet
    before = history(client, work_order_id)
    refused(complete_todo(client, f"{work_order_id}-dsp1", "intruder"), "unknown-todo")  # not whose it is
    assert history(client, work_order_id) == before
    assert complete_todo(client, f"{work_order_id}-dsp1", DEPARTMENT).processed  # the department ticked it in OA
    assert state(client, work_order_id) == "DISPATCHED"  # its answer is a WorkOrderAction
    assert ("OA", "oa_todo") in history(client, work_order_id)
    send(client, "WorkOrderAction.valid-reject-dispatch.xml", WorkOrderId=work_order_id)
    assert _department_closings(client) == []  # completed in OA already: nothing to close
    dispatch(client, work_order_id, to_system="BOSS")
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    assert _department_closings(client) == [(f"{work_order_id}-dsp2", DEPARTMENT)]
    before = history(client, work_order_id)
    refused(complete_todo(client, f"{work_order_id}-dsp1", DEPARTMENT), "stale-todo")  # an earlier dispatch's
    assert history(client, work_order_id) == before
    assert complete_todo(client, f"{work_order_id}-dsp2", DEPARTMENT).processed  # closed by the hub: noted only
    assert history(client, work_order_id) == [*before, ("OA", "oa_todo_late")]


def test_a_dispatch_to_nsp_has_no_department_todo(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)  # to NSP: its NetworkComplaintDispatch, no OA to-do
    refused(complete_todo(client, f"{work_order_id}-dsp1"), "stale-todo")
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    assert _department_closings(client) == []


def test_the_docs_state_the_rule() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert "closes a dispatched department's to-do" in doc
    assert "`stale-todo`" in doc and "-dsp" in doc
