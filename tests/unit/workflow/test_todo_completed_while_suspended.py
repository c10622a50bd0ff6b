"""OA's CompleteTodo that came while the ESCALATED work order was SUSPENDED is recorded (the state left alone) and
carried out when it resumes, as NSP's reply during a suspension is (docs/lifecycle.md): RESUME to ESCALATED goes
straight on to IN_PROGRESS, a START by the manager. Before, the order was left ESCALATED waiting for a completion
OA could no longer send (its to-do was closed)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.audit_kit import complete_todo, created, send, state
from tests.unit.workflow.kit import text

pytestmark = pytest.mark.unit


def escalated_and_suspended(client: WorkerTestClient, runtime: WorkflowRuntime, *,
                            until: str | None = None) -> str:
    work_order_id = created(client)
    assert text(send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id),
                "wo:State") == "ESCALATED"
    paths = {} if until is None else {"Suspend/wo:Until": until}
    send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id, **paths)
    assert state(client, work_order_id) == "SUSPENDED"
    return work_order_id


def test_a_completion_while_suspended_moves_the_order_on_when_it_resumes(client: WorkerTestClient,
                                                                         runtime: WorkflowRuntime) -> None:
    work_order_id = escalated_and_suspended(client, runtime)
    assert complete_todo(client, f"{work_order_id}-esc1-0").processed
    assert state(client, work_order_id) == "SUSPENDED"  # recorded, the state left alone
    resumed = send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=work_order_id)
    assert text(resumed, "wo:State") == "IN_PROGRESS"
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    moves = [(h["action"], h["to_state"], h["system"]) for h in view.history if h["kind"] == "state"][-2:]
    assert moves == [("RESUME", "ESCALATED", "CS"), ("START", "IN_PROGRESS", "OA")]
    assert "OA to-do completed while suspended" in (view.history[-1]["note"] or "")


def test_the_schedulers_resume_at_until_also_goes_on_with_the_completion(client: WorkerTestClient,
                                                                          runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    until = runtime.clock.now() + timedelta(hours=2)
    work_order_id = escalated_and_suspended(client, runtime, until=until.isoformat())
    assert complete_todo(client, f"{work_order_id}-esc1-0").processed
    runtime.clock.set(until)
    assert DeadlineScheduler(runtime, client.outbound, batch=50).run_pass().fired >= 1
    assert state(client, work_order_id) == "IN_PROGRESS"


def test_without_a_completion_of_the_current_level_the_order_waits(client: WorkerTestClient,
                                                                   runtime: WorkflowRuntime) -> None:
    """Level 1's to-do completed, then the order handed up again (level 2) and suspended: it waits for level 2's."""
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)
    assert complete_todo(client, f"{work_order_id}-esc1-0").processed
    assert state(client, work_order_id) == "IN_PROGRESS"
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)  # level 2
    send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id)
    resumed = send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=work_order_id)
    assert text(resumed, "wo:State") == "ESCALATED"


def escalated_breached_and_suspended(client: WorkerTestClient, runtime: WorkflowRuntime) -> tuple[str, str]:
    """Handed up to CS-ESCALATION (level 1), its first response breached (the chain's role told, level 2), then
    suspended: (work order id, the role told)."""
    assert isinstance(runtime.clock, ManualClock)
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    runtime.clock.set(view.row["first_response_due"] + timedelta(minutes=1))
    assert DeadlineScheduler(runtime, client.outbound, batch=50).run_pass().escalations == 1
    send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id)
    return work_order_id, runtime.engine.sla.row(view.row["tier"]).escalation[0]


def test_the_hand_ups_todo_completed_while_suspended_after_a_breach_moves_the_order_on(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """The breach left the department's to-do open: its completion during the suspension is carried out on the
    resume (before, the breach had closed it and the completion was refused as stale)."""
    work_order_id, _ = escalated_breached_and_suspended(client, runtime)
    assert complete_todo(client, f"{work_order_id}-esc1-0").processed
    resumed = send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=work_order_id)
    assert text(resumed, "wo:State") == "IN_PROGRESS"


def test_a_breach_notice_completed_while_suspended_leaves_the_order_with_its_department(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id, role = escalated_breached_and_suspended(client, runtime)
    assert complete_todo(client, f"{work_order_id}-esc2-0", user=role).processed
    resumed = send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=work_order_id)
    assert text(resumed, "wo:State") == "ESCALATED"  # CS-ESCALATION's to-do is still the one to take it up
    assert complete_todo(client, f"{work_order_id}-esc1-0").processed
    assert state(client, work_order_id) == "IN_PROGRESS"
