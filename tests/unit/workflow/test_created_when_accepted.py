"""A work order begins when the hub's ingress accepted the complaint (the envelope's ``received_at``, the hub's own
stamp), not when a workflow worker got to it: after a backlog or a worker's restart its SLA clock would otherwise
start late and its statistics day move (a complaint accepted at 23:59:58 on 30 November counted in December)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import answer, command, envelope, text

pytestmark = pytest.mark.unit


def created_at(runtime: WorkflowRuntime, work_order_id: str) -> tuple[datetime, datetime, list[datetime]]:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return view.row["created_at"], view.row["first_response_due"], [h["at"] for h in view.history]


def test_a_complaint_handled_two_hours_after_its_acceptance_begins_at_its_acceptance(
        runtime: WorkflowRuntime, client: WorkerTestClient) -> None:
    assert isinstance(runtime.clock, ManualClock)
    accepted = runtime.clock.now()
    runtime.clock.advance(timedelta(hours=2))  # the worker gets to it two hours later
    document, message_id = command("CreateWorkOrder.valid.xml")
    created = answer(client.request(replace(envelope(document, message_id), received_at=accepted)))
    work_order_id = text(created, "wo:WorkOrderId")
    assert work_order_id is not None
    began, first_response_due, times = created_at(runtime, work_order_id)
    assert began == accepted and first_response_due < runtime.clock.now() + timedelta(minutes=30)
    assert times[0] == accepted and times[1] == runtime.clock.now()  # CREATE when accepted, ACCEPT when handled
    received = text(created, "wo:Ack/c:ReceivedAt")  # the instant its deadlines run from
    assert received is not None and datetime.fromisoformat(received) == accepted


def test_a_receipt_stamped_later_than_the_workers_clock_begins_now(runtime: WorkflowRuntime,
                                                                    client: WorkerTestClient) -> None:
    """Two machines' clocks: a stamp ahead of the worker's never puts a work order in the future."""
    document, message_id = command("CreateWorkOrder.valid.xml")
    ahead = runtime.clock.now() + timedelta(minutes=3)
    created = answer(client.request(replace(envelope(document, message_id), received_at=ahead)))
    work_order_id = text(created, "wo:WorkOrderId")
    assert work_order_id is not None
    assert created_at(runtime, work_order_id)[0] == runtime.clock.now()


def test_the_repeat_mark_looks_back_from_when_the_work_order_began(runtime: WorkflowRuntime,
                                                                  client: WorkerTestClient) -> None:
    """A, accepted at 09:00 but handled at 11:00 (a backlog), is no repeat of B, same number and phenomenon,
    accepted and handled at 10:00: B came after it. B, had it come after A's handling, is one of A (audit of this
    session's code: the window was measured back from the handling)."""
    assert isinstance(runtime.clock, ManualClock)
    nine = runtime.clock.now()
    runtime.clock.advance(timedelta(hours=1))
    document, message_id = command("CreateWorkOrder.valid.xml")
    b = answer(client.request(replace(envelope(document, message_id), received_at=runtime.clock.now())))
    assert text(b, "wo:RepeatComplaint") == "false"
    runtime.clock.advance(timedelta(hours=1))
    document, message_id = command("CreateWorkOrder.valid.xml")
    a = answer(client.request(replace(envelope(document, message_id), received_at=nine)))
    assert text(a, "wo:RepeatComplaint") == "false"
    document, message_id = command("CreateWorkOrder.valid.xml")
    c = answer(client.request(replace(envelope(document, message_id), received_at=runtime.clock.now())))
    assert text(c, "wo:RepeatComplaint") == "true"  # after both


def test_a_receipt_stamped_after_midnight_by_a_clock_ahead_dates_the_id_as_created_at(
        runtime: WorkflowRuntime, client: WorkerTestClient) -> None:
    """The ingress (its clock 5 s ahead) stamps 00:00:02 on 24 November, the worker creates it at 23:59:57 on the
    23rd: the work order begins then (``created_at``, its statistics day) and its id carries that day, not the
    stamp's (docs/deadlines.md: the id carries the day the statistics count it on)."""
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.set(datetime.fromisoformat("2026-11-23T23:59:57+08:00"))
    document, message_id = command("CreateWorkOrder.valid.xml")
    ahead = runtime.clock.now() + timedelta(seconds=5)
    created = answer(client.request(replace(envelope(document, message_id), received_at=ahead)))
    work_order_id = text(created, "wo:WorkOrderId") or ""
    assert created_at(runtime, work_order_id)[0] == runtime.clock.now()
    assert work_order_id.startswith("WO20261123"), work_order_id
