"""The rule files' agreement on PostgreSQL: the unit tests on a database of the private cluster (the renewal an
``INSERT … ON CONFLICT DO UPDATE`` there)."""

from __future__ import annotations

import pytest

from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.test_rule_agreement import (  # noqa: F401 - the tests and their fixture, on this runtime
    edited,
    test_a_process_gone_without_stopping_ages_out,
    test_a_process_with_another_sla_file_is_named_once_until_it_stops,
    test_metrics_count_the_processes_per_versions,
    test_processes_with_the_same_files_agree_silently,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime
