"""An escalation to-do's Due (docs/deadlines.md): when the next level of the tier's chain would be told (the pending
escalation row), else, past the chain's last role or for an incident's manager before any breach, one escalation
interval on the owner's calendar from its push. Never the breached limit itself: before, a breach's to-do carried
the reply limit it breached, a time already past when it reached OA."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.deadline_kit import act, clock, create, row
from tests.unit.workflow.incident_kit import complain

pytestmark = pytest.mark.unit

OA = "{urn:onepoint:oa:1}"


def todos(client: WorkerTestClient) -> list[etree._Element]:
    return [etree.fromstring(e.payload) for e, *_ in client.sent if e.command_type == "oa.PushTodo"]


def due_of(todo: etree._Element) -> datetime:
    return datetime.fromisoformat(todo.findtext(f"{OA}Due") or "")


def pending(runtime: WorkflowRuntime, work_order_id: str) -> dict[str, datetime]:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return {d["kind"]: d["due_at"] for d in view.deadlines if d["fired_at"] is None}


def test_a_breachs_todo_is_due_when_the_next_level_would_be_told(runtime: WorkflowRuntime,
                                                                  client: WorkerTestClient) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "VIP_GOLD")
    act(runtime, work_order_id, A.DISPATCH)
    act(runtime, work_order_id, A.START)
    breached = row(runtime, work_order_id)["reply_due"]
    clock(runtime).set(breached + timedelta(minutes=1))
    assert scheduler.run_pass().escalations >= 1
    now = clock(runtime).now()
    todo = todos(client)[-1]
    assert due_of(todo) > now and due_of(todo) != breached
    next_level = pending(runtime, work_order_id)["REPLY:ESCALATE2"]
    assert due_of(todo) == next_level


def test_the_chains_last_roles_todo_is_due_one_interval_on(runtime: WorkflowRuntime,
                                                           client: WorkerTestClient) -> None:
    """VIP_GOLD's chain has three roles, an hour apart on the hotline's 7x24 clock (the first response's limit)."""
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "VIP_GOLD")
    clock(runtime).set(row(runtime, work_order_id)["first_response_due"] + timedelta(minutes=1))
    for _ in range(6):
        scheduler.run_pass()
        clock(runtime).advance(timedelta(hours=1))
    last = todos(client)[-1]
    assert last.findtext(f"{OA}UserId") == runtime.engine.sla.row("VIP_GOLD").escalation[-1]
    pushed = datetime.fromisoformat(last.findtext(f"{OA}Header/{{urn:onepoint:common:1}}SentAt") or "")
    calendar = runtime.engine.calendars.for_department(row(runtime, work_order_id)["owner"])
    assert due_of(last) == calendar.add(pushed, runtime.engine.sla.row("VIP_GOLD").escalation_interval)
    assert due_of(last) > pushed


def test_an_incidents_manager_todo_is_due_in_the_future(runtime: WorkflowRuntime,
                                                         client: WorkerTestClient) -> None:
    for number in range(10):
        clock(runtime).advance(timedelta(minutes=1))
        complain(client, number)
    (todo,) = todos(client)
    assert due_of(todo) > clock(runtime).now()


def test_a_limit_run_out_just_before_a_suspension_is_escalated_while_suspended(runtime: WorkflowRuntime,
                                                                              client: WorkerTestClient) -> None:
    """The first response ran out, no pass ran before an agent suspended the work order (until a given time): the
    alarm fires while it is SUSPENDED and escalates. Its to-do's Due was computed from the pending rows, among them
    the suspension's end (``SUSPENSION:RESUME``), which is no limit: before, that row crashed the escalation and
    the alarm was marked DEADLINE_FAILED (no escalation, no to-do)."""
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "VIP_GOLD")
    clock(runtime).set(row(runtime, work_order_id)["first_response_due"] + timedelta(minutes=5))
    until = clock(runtime).now() + timedelta(days=2)
    act(runtime, work_order_id, A.SUSPEND, Until=until.isoformat())
    assert "SUSPENSION:RESUME" in pending(runtime, work_order_id)
    done = scheduler.run_pass()
    assert done.failed == 0 and done.escalations == 1
    assert row(runtime, work_order_id)["escalation_level"] >= 1 and todos(client)


def test_a_later_levels_todo_states_the_limit_it_breached(runtime: WorkflowRuntime,
                                                          client: WorkerTestClient) -> None:
    """Level 2 comes due one escalation interval after the limit: its to-do and the history's ESCALATE note said
    "FIRST_RESPONSE deadline <when level 2 came due> breached", a time that was never the deadline."""
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "VIP_GOLD")
    limit = row(runtime, work_order_id)["first_response_due"]
    said = limit.astimezone(runtime.engine.settings.local_zone).isoformat(timespec="seconds")
    clock(runtime).set(limit + timedelta(minutes=1))
    scheduler.run_pass()
    clock(runtime).set(pending(runtime, work_order_id)["FIRST_RESPONSE:ESCALATE2"] + timedelta(minutes=1))
    scheduler.run_pass()
    first, second = [todo.findtext(f"{OA}Summary") or "" for todo in todos(client)][:2]
    assert f"FIRST_RESPONSE deadline {said} breached" in first and "(level" not in first
    assert f"FIRST_RESPONSE deadline {said} breached (level 2)" in second
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    notes = [h["note"] for h in view.history if h["field"] == "escalation_level"]
    assert len(notes) == 2 and f"FIRST_RESPONSE deadline {said} breached (level 2)" in notes[1]
