"""A limit already answered stays as it was stored: after an SLA table change, neither a recalculation nor the
work order's next action moves the first-response or reply limit it was answered against (docs/deadlines.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.deadline_kit import act, clock, create, row
from tests.unit.workflow.test_scheduler import faster_table

pytestmark = pytest.mark.unit
ANSWERED = ("first_response_due", "reply_due")


@pytest.mark.parametrize("recalculated", [True, False], ids=["recalculated first", "not recalculated"])
def test_the_next_action_after_a_table_change_keeps_the_answered_limits(runtime: WorkflowRuntime,
                                                                        recalculated: bool) -> None:
    work_order_id = create(runtime, "VIP_GOLD")  # reply within 6 h on the 7x24 hotline
    clock(runtime).advance(timedelta(hours=3))
    act(runtime, work_order_id, A.REPLY)  # in time
    before = row(runtime, work_order_id)
    runtime.engine.sla = faster_table(return_visit="12h")  # every reply within 2 h now
    if recalculated:
        assert DeadlineScheduler(runtime, None).recalculate() == 1

    clock(runtime).advance(timedelta(hours=1))
    act(runtime, work_order_id, A.RETURN_VISIT, Satisfaction="SATISFIED")
    after = row(runtime, work_order_id)
    assert after["sla_version"] == "faster"
    assert [after[limit] for limit in ANSWERED] == [before[limit] for limit in ANSWERED]
    assert after["replied_at"] <= after["reply_due"]  # still in time
    act(runtime, work_order_id, A.CLOSE)
    assert row(runtime, work_order_id)["return_visit_due"] == after["return_visit_due"]  # visited: kept too


def test_the_action_that_answers_stores_the_limit_it_answered(runtime: WorkflowRuntime) -> None:
    work_order_id = create(runtime, "VIP_GOLD")
    runtime.engine.sla = faster_table()  # not recalculated yet: the reply is judged by the table in force
    clock(runtime).advance(timedelta(hours=1))
    act(runtime, work_order_id, A.REPLY)
    after = row(runtime, work_order_id)
    assert after["reply_due"] == after["created_at"] + timedelta(hours=2)
    assert after["first_response_due"] == after["created_at"] + timedelta(minutes=10)
