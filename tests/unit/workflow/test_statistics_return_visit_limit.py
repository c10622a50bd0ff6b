"""The return visits made within their limit and late: a visit is counted ``return_visited_in_time`` when made by
the work order's return-visit due (``return_visited_at <= return_visit_due``), else ``return_visited_late``, as a
reply is counted in or out of its SLA; in the totals, per tier and per department, in QueryStatistics' answer and
``onepoint stats``; the rebuild counts the same."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.statistics.figures import CounterSum, StatisticsQuery, compute_figures
from tests.unit.workflow.deadline_kit import act, clock, create, row
from tests.unit.workflow.kit import WO, text
from tests.unit.workflow.test_statistics_counters import check_rebuild, counter_rows, measures
from tests.unit.workflow.test_statistics_departments import statistics

pytestmark = pytest.mark.unit


def test_a_visit_after_its_limit_counts_late_and_one_within_it_in_time(client: WorkerTestClient,
                                                                       runtime: WorkflowRuntime) -> None:
    on_time, late = create(runtime, "CONTRACT", msisdn="13800138001"), create(runtime, "CONTRACT", msisdn="13800138002")
    act(runtime, on_time, A.REPLY, Note="x")
    act(runtime, late, A.REPLY, Note="x")
    clock(runtime).advance(timedelta(hours=1))
    act(runtime, on_time, A.RETURN_VISIT, Satisfaction="SATISFIED")
    clock(runtime).advance(timedelta(hours=29))  # past the 24 h limit: breached and escalated
    DeadlineScheduler(runtime, client.outbound, batch=50).run_pass()
    assert row(runtime, late)["return_visit_due"] < clock(runtime).now()
    act(runtime, late, A.RETURN_VISIT, Satisfaction="SATISFIED")
    counted = measures(runtime)
    assert (counted["return_visited"], counted["return_visited_in_time"], counted["return_visited_late"]) == (
        2, 1, 1)  # before: return_visited only

    root = statistics(client)
    CommandSetRegistry.installed().get("workorder").lxml_schema.assertValid(root)
    assert [text(root, f"wo:Totals/wo:{name}") for name in ("ReturnVisited", "ReturnVisitedInTime",
                                                            "ReturnVisitedLate")] == ["2", "1", "1"]
    assert text(root, "wo:Shares/wo:ReturnVisitInTime") == "0.5"
    tier = root.find(f"{{{WO}}}TierSla")
    assert tier is not None and text(tier, "wo:Tier") == "CONTRACT"
    assert (text(tier, "wo:VisitedInTime"), text(tier, "wo:VisitedLate")) == ("1", "1")
    department = root.find(f"{{{WO}}}Department")  # not per department: the hotline owes every visit
    assert department is not None and department.find(f"{{{WO}}}ReturnVisitedLate") is None
    tiers = {key[3] for key, _ in counter_rows(runtime).items() if key[-1] == "return_visited_late"}
    assert tiers == {"*", "CONTRACT"}
    check_rebuild(runtime)


def test_a_visit_given_an_earlier_visited_at_is_judged_by_that_time(client: WorkerTestClient,
                                                                   runtime: WorkflowRuntime) -> None:
    work_order_id = create(runtime, "CONTRACT")
    act(runtime, work_order_id, A.REPLY, Note="x")
    visited = clock(runtime).now() + timedelta(hours=2)
    clock(runtime).advance(timedelta(hours=30))  # recorded late, made in time (the caller's VisitedAt)
    act(runtime, work_order_id, A.RETURN_VISIT, Satisfaction="SATISFIED", VisitedAt=visited.isoformat())
    counted = measures(runtime)
    assert (counted["return_visited_in_time"], counted["return_visited_late"]) == (1, 0)
    check_rebuild(runtime)


def test_the_figures_keep_visits_in_time_and_late_per_tier() -> None:
    query = StatisticsQuery(date(2026, 11, 23), date(2026, 11, 23))
    sums = [CounterSum("*", "0755", "*", "*", "return_visited", 4),
            CounterSum("*", "0755", "*", "*", "return_visited_in_time", 3),
            CounterSum("*", "0755", "*", "*", "return_visited_late", 1),
            CounterSum("*", "0755", "VIP_GOLD", "*", "return_visited_late", 1)]
    figures = compute_figures(query, sums)
    assert (figures.totals.return_visited_in_time, figures.totals.return_visited_late) == (3, 1)
    assert figures.return_visit_in_time == 0.75
    assert [(t.tier, t.visited_in_time, t.visited_late) for t in figures.tiers] == [("VIP_GOLD", 0, 1)]
