"""The return visit's satisfaction (the Callback's wo:Satisfaction, kept in the ``satisfaction`` column) is counted:
satisfied, basically satisfied, dissatisfied and not reached, in QueryStatistics' totals with the satisfaction rate
(satisfied or basically satisfied, of the customers reached) and in ``onepoint stats``; the rebuild counts the same."""

from __future__ import annotations

import pytest

from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.statistics.figures import satisfaction
from tests.unit.workflow.kit import WO, answer, command, envelope, text
from tests.unit.workflow.test_statistics_counters import check_rebuild, create, measures

pytestmark = pytest.mark.unit


def visit(client: WorkerTestClient, work_order_id: str, outcome: str) -> None:
    """The return visit with ``outcome``: a customer not reached is called the default 3 times (``[workflow]
    return_visit_attempts``), the first two recorded as attempts (the work order still REPLIED)."""
    calls = 3 if outcome == "NOT_REACHED" else 1
    for call in range(1, calls + 1):
        document, message_id = command("WorkOrderAction.valid-callback.xml", WorkOrderId=work_order_id)
        found = document.find(f"{{{WO}}}Callback/{{{WO}}}Satisfaction")
        assert found is not None
        found.text = outcome
        assert text(answer(client.request(envelope(document, message_id))), "wo:State") == (
            "RETURN_VISITED" if call == calls else "REPLIED")


def test_each_return_visits_satisfaction_is_counted_with_the_rate(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    outcomes = ["SATISFIED", "SATISFIED", "BASICALLY_SATISFIED", "DISSATISFIED", "NOT_REACHED"]
    for number, outcome in enumerate(outcomes):
        work_order_id = create(client, Msisdn=f"1390013900{number}")
        document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
        answer(client.request(envelope(document, message_id)))
        visit(client, work_order_id, outcome)
    counted = measures(runtime)
    assert (counted["satisfied"], counted["basically_satisfied"], counted["dissatisfied"],
            counted["not_reached"], counted["return_visit_attempt_not_reached"]) == (2, 1, 1, 1, 2)  # before: none

    document, message_id = command("QueryStatistics.valid.xml")
    days = document.find(f"{{{WO}}}Days")
    assert days is not None
    days[0].text, days[1].text = "2026-11-23", "2026-11-23"
    root = answer(client.request(envelope(document, message_id)))
    CommandSetRegistry.installed().get("workorder").lxml_schema.assertValid(root)
    assert [text(root, f"wo:Totals/wo:{name}") for name in (
        "ReturnVisited", "Satisfied", "BasicallySatisfied", "Dissatisfied", "NotReached")] == ["5", "2", "1", "1", "1"]
    assert text(root, "wo:Shares/wo:Satisfaction") == "0.75"  # 3 satisfied of the 4 reached
    check_rebuild(runtime)


def test_the_rate_leaves_out_the_customers_not_reached_and_a_window_without_visits() -> None:
    assert satisfaction(0, 0, 0) is None
    assert satisfaction(1, 1, 2) == 0.5
