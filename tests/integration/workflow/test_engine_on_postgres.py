"""The workflow's handler and scheduler tests of tests/unit/workflow, again on PostgreSQL (a fresh database of the
session's private cluster per test): the engine's SQL is the same on both dialects, and so are its results."""

from __future__ import annotations

import threading

import pytest

from hub.workflow.commands import ActionRequest, Complaint
from hub.workflow.engine import WorkOrderRefused
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.tiers import TierFacts
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.kit import START
from tests.unit.workflow.test_nsp_reply import (  # noqa: F401 - collected here too
    test_nsps_reply_starts_the_work_order_and_its_history_stays_answerable,
)
from tests.unit.workflow.test_scheduler import (  # noqa: F401
    scheduler,
    test_a_changed_sla_table_leaves_the_limits_of_a_replied_work_order_as_they_were,
    test_a_changed_sla_table_recalculates_open_work_orders,
    test_a_work_order_answered_in_time_raises_nothing,
    test_warning_then_alarm_then_the_next_level,
)
from tests.unit.workflow.test_workflow_handlers import (  # noqa: F401
    test_a_complaint_from_creation_to_close,
    test_a_complaint_with_its_templates_fields_is_dispatched_at_intake,
    test_a_second_complaint_of_the_same_phenomenon_is_a_repeat,
    test_an_unknown_category_is_refused_by_name,
    test_pending_pauses_the_clock_and_the_deadline_moves,
    test_query_work_order_has_the_history,
    test_query_work_orders_filters_by_category_area_and_tiers,
    test_the_same_complaint_twice_is_one_work_order_and_the_same_answer,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime


def test_two_actions_on_one_work_order_at_once_are_taken_one_after_the_other(runtime: WorkflowRuntime) -> None:
    """Two processes act on the same work order at the same time: the second waits for the first's commit and is
    judged on the state the first left (REPLIED allows no CANCEL), never on the state both read before."""
    complaint = Complaint(channel="HOTLINE", msisdn="13800138000", contact_number="13800138000",
                          category_code="01.02.03", phenomenon="cannot originate", description="no calls",
                          occurred_at=START, location="Futian", area_code="0755")
    now = runtime.clock.now()
    with runtime.store.transaction() as tx:
        work_order_id = runtime.engine.create(tx, complaint, TierFacts("13800138000", "CONTRACT"), now).row["id"]
    second_may_start, outcome = threading.Event(), {}

    def cancel() -> None:
        second_may_start.wait()
        try:
            with runtime.store.transaction(message_id="m-cancel") as tx:
                runtime.engine.act(tx, ActionRequest(work_order_id, LifecycleAction.CANCEL, "op2", "CS",
                                                     {"Reason": "withdrawn"}), now)
            outcome["cancel"] = "done"
        except WorkOrderRefused as refused:
            outcome["cancel"] = str(refused)

    other = threading.Thread(target=cancel)
    other.start()
    with runtime.store.transaction(message_id="m-reply") as tx:
        runtime.engine.act(tx, ActionRequest(work_order_id, LifecycleAction.REPLY, "op1", "CS", {"Result": "fixed"}),
                           now)
        second_may_start.set()
        other.join(timeout=1.0)  # the CANCEL waits on the row until this transaction ends
        assert other.is_alive()
    other.join(timeout=30)
    assert "Cancel is not allowed" in outcome["cancel"] and "in state REPLIED" in outcome["cancel"]
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["state"] == "REPLIED"
    assert [h["action"] for h in view.history if h["kind"] == "state"] == ["CREATE", "ACCEPT", "REPLY"]
