"""The rule files' agreement on PostgreSQL: the unit tests on a database of the private cluster (the renewal an
``INSERT … ON CONFLICT DO UPDATE`` there)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hub.workflow.clock import ManualClock
from hub.workflow.rule_agreement import RuleFileAgreement
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import START
from tests.unit.workflow.test_rule_agreement import (  # noqa: F401 - the tests and their fixture, on this runtime
    edited,
    refined,
    test_a_process_gone_without_stopping_ages_out,
    test_a_process_with_another_sla_file_is_named_once_until_it_stops,
    test_a_process_with_another_taxonomy_is_named,
    test_metrics_count_the_processes_per_versions,
    test_processes_with_the_same_files_agree_silently,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime


def test_hosts_whose_clocks_differ_by_minutes_still_see_one_another(postgres_runtime: WorkflowRuntime,
                                                                    edited: WorkflowRuntime) -> None:  # noqa: F811
    """The rows are stamped and aged by PostgreSQL's clock: a hub whose clock runs two minutes ahead no longer
    takes the other's row for a gone process, deleting it and never warning (audit of this session's code)."""
    ahead = RuleFileAgreement(replace(postgres_runtime, clock=ManualClock(START + timedelta(minutes=2))),
                              host="hub-ahead", pid=1)
    behind = RuleFileAgreement(replace(edited, clock=ManualClock(START)), host="hub-behind", pid=2)
    assert [d.host for d in behind.run_pass()] == []
    assert [d.host for d in ahead.run_pass()] == ["hub-behind"]
    assert [d.host for d in behind.run_pass()] == ["hub-ahead"]
