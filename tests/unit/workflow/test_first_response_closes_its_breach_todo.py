"""The first response answers the first-response limit: the to-do its breach pushed is closed in OA then (before,
it stayed open until the reply, possibly days, its Due passing with nothing to come). Only that limit's notices:
a later move that is no first response closes no other limit's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.deadline_kit import act, clock, create, history, row

pytestmark = pytest.mark.unit


def test_the_first_response_closes_its_breachs_todo_and_only_that(runtime: WorkflowRuntime,
                                                                   client: WorkerTestClient) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "PREPAID")  # first response 1 h, reply 32 h
    clock(runtime).set(row(runtime, work_order_id)["first_response_due"] + timedelta(minutes=1))
    assert scheduler.run_pass().escalations == 1  # SHIFT_LEADER's -esc1-0
    clock(runtime).advance(timedelta(minutes=10))
    changed = act(runtime, work_order_id, A.DISPATCH)  # the first response
    closings = [f for f in changed.follow_ups if f.kind == "oa-close-todo"]
    assert [(f.details["item_id"], f.details["manager"]) for f in closings] == [
        (f"{work_order_id}-esc1-0", "SHIFT_LEADER")]
    (entry,) = [h for h in history(runtime, work_order_id) if h["field"] == "oa_todo_closed"]
    assert "first response" in entry["note"]

    clock(runtime).set(row(runtime, work_order_id)["reply_due"] + timedelta(minutes=1))
    assert scheduler.run_pass().escalations == 1  # the reply's breach: SHIFT_LEADER again, -esc2-0
    started = act(runtime, work_order_id, A.START)  # no first response: the reply's notice stays
    assert [f for f in started.follow_ups if f.kind == "oa-close-todo"] == []
    replied = act(runtime, work_order_id, A.REPLY, Cause="c", Action="a", Resolved="true")  # the reply closes it
    assert [f.details["item_id"] for f in replied.follow_ups if f.kind == "oa-close-todo"] == [
        f"{work_order_id}-esc2-0"]
