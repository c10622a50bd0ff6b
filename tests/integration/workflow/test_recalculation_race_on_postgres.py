"""tests/unit/workflow/test_recalculation_race.py on PostgreSQL: the second recalculation waits on the first's row
locks (``FOR UPDATE``) and, once they are released, finds the work orders current and leaves them."""

from __future__ import annotations

import pytest

from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.test_recalculation_race import (  # noqa: F401 - collected here too
    test_a_recalculation_that_waited_for_another_ones_locks_recalculates_nothing_again,
    test_two_recalculations_at_once_recalculate_each_work_order_once,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime
