"""The systems' call-backs act only on the work orders they concern: NSP's reply on one dispatched to NSP and not
finished (``not-dispatched-to-nsp``, ``callback-not-expected``), OA's CompleteTodo only with an escalation to-do
``<id>-esc<level>-<step>`` the hub still has open, of the work order's current level or below (``unknown-todo``,
``stale-todo``, ``callback-not-expected``); a refused call-back is dead-lettered with its reason and writes
nothing. NSP's reply that came while the work order was suspended takes it on to IN_PROGRESS when it resumes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.workers import SendResult, WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.audit_kit import complete_todo, created, dispatch, history, nsp_reply, send, state
from tests.unit.workflow.kit import text

pytestmark = pytest.mark.unit


def refused(result: SendResult, code: str) -> None:
    assert result.dead, result.outcome
    assert code in (result.reason or ""), result.reason


def test_nsps_reply_for_an_order_dispatched_elsewhere_is_refused(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    assert text(dispatch(client, work_order_id, to_system="BOSS"), "wo:State") == "DISPATCHED"
    before = history(client, work_order_id)
    refused(nsp_reply(client, work_order_id), "not-dispatched-to-nsp")
    assert state(client, work_order_id) == "DISPATCHED"
    assert history(client, work_order_id) == before


def test_nsps_reply_for_an_order_dispatched_to_nsp_starts_it(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    assert nsp_reply(client, work_order_id).processed
    assert state(client, work_order_id) == "IN_PROGRESS"


def test_call_backs_on_a_closed_or_never_dispatched_order_are_refused(client: WorkerTestClient) -> None:
    closed, accepted = created(client), created(client)
    for example in ("valid-reply", "valid-callback", "valid-close"):
        send(client, f"WorkOrderAction.{example}.xml", WorkOrderId=closed)
    assert state(client, closed) == "CLOSED"
    before = {w: history(client, w) for w in (closed, accepted)}
    refused(nsp_reply(client, closed), "callback-not-expected")
    refused(nsp_reply(client, accepted), "callback-not-expected")
    refused(complete_todo(client, f"{closed}-esc1-0"), "callback-not-expected")
    refused(complete_todo(client, f"{accepted}-esc0-0"), "callback-not-expected")
    assert {w: history(client, w) for w in (closed, accepted)} == before


def test_only_the_current_levels_escalation_todo_takes_the_order_up(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)
    refused(complete_todo(client, f"{work_order_id}-not-a-todo-of-the-hub"), "unknown-todo")
    refused(complete_todo(client, f"{work_order_id}-rem1-0"), "unknown-todo")  # a to-read, not a to-do
    refused(complete_todo(client, f"{work_order_id}-esc2-0"), "stale-todo")
    assert state(client, work_order_id) == "ESCALATED"
    assert complete_todo(client, f"{work_order_id}-esc1-0").processed
    assert state(client, work_order_id) == "IN_PROGRESS"
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)  # level 2
    before = history(client, work_order_id)
    refused(complete_todo(client, f"{work_order_id}-esc1-0"), "stale-todo")  # level 1's, sent again
    assert (state(client, work_order_id), history(client, work_order_id)) == ("ESCALATED", before)
    assert complete_todo(client, f"{work_order_id}-esc2-0").processed
    assert state(client, work_order_id) == "IN_PROGRESS"


def test_nsps_reply_while_suspended_moves_the_order_on_when_it_resumes(client: WorkerTestClient,
                                                                      runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id)
    assert nsp_reply(client, work_order_id).processed
    assert state(client, work_order_id) == "SUSPENDED"
    resumed = send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=work_order_id)
    assert text(resumed, "wo:State") == "IN_PROGRESS"
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    moves = [(h["action"], h["to_state"], h["system"]) for h in view.history if h["kind"] == "state"][-2:]
    assert moves == [("RESUME", "DISPATCHED", "CS"), ("START", "IN_PROGRESS", "NSP")]


def test_the_schedulers_resume_at_until_also_goes_on_with_nsps_reply(client: WorkerTestClient,
                                                                      runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    assert isinstance(runtime.clock, ManualClock)
    until = runtime.clock.now() + timedelta(hours=2)
    send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id,
         **{"Suspend/wo:Until": until.isoformat()})
    assert nsp_reply(client, work_order_id).processed
    runtime.clock.set(until)
    assert DeadlineScheduler(runtime, client.outbound, batch=50).run_pass().fired >= 1
    assert state(client, work_order_id) == "IN_PROGRESS"


def test_a_resume_without_nsps_reply_waits_for_it(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id)
    assert text(send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=work_order_id), "wo:State") == \
        "DISPATCHED"


def test_a_todo_the_hub_never_pushed_or_another_users_completion_is_refused(client: WorkerTestClient) -> None:
    """OA's CompleteTodo must name a to-do the hub pushed and still has open, completed by the user it was pushed
    to: a forged step (``-esc1-99``) or the right item under another UserId took the work order up (START by the
    intruder)."""
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)  # to CS-ESCALATION
    before = history(client, work_order_id)
    refused(complete_todo(client, f"{work_order_id}-esc1-99"), "unknown-todo")
    refused(complete_todo(client, f"{work_order_id}-esc1-0", "intruder"), "unknown-todo")
    assert (state(client, work_order_id), history(client, work_order_id)) == ("ESCALATED", before)
    assert complete_todo(client, f"{work_order_id}-esc1-0", "CS-ESCALATION").processed
    assert state(client, work_order_id) == "IN_PROGRESS"


def test_a_todo_completed_twice_is_recorded_once(client: WorkerTestClient) -> None:
    """OA sends the completion again under a new MessageId (a retry after a lost answer, a second click): refused
    as completed already, as a department's ``-dsp`` to-do is; before, a second ``oa_todo`` entry was written."""
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)
    assert complete_todo(client, f"{work_order_id}-esc1-0").processed
    before = history(client, work_order_id)
    again = complete_todo(client, f"{work_order_id}-esc1-0")
    refused(again, "stale-todo")
    assert "completed already" in (again.reason or "")
    assert history(client, work_order_id) == before
    assert [h for h in before if h == ("OA", "oa_todo")] == [("OA", "oa_todo")]
