"""The workflow's handler and scheduler tests of tests/unit/workflow, again on PostgreSQL (a fresh database of the
session's private cluster per test): the engine's SQL is the same on both dialects, and so are its results."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.config.workflow import WorkflowSettings
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.support.postgres_server import PostgresServer
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.kit import START
from tests.unit.workflow.test_nsp_reply import (  # noqa: F401 - collected here too
    test_nsps_reply_starts_the_work_order_and_its_history_stays_answerable,
)
from tests.unit.workflow.test_scheduler import (  # noqa: F401
    scheduler,
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
def runtime(postgres_server: PostgresServer) -> Iterator[WorkflowRuntime]:
    opened = open_runtime(WorkflowSettings(database=postgres_server.create_database()), clock=ManualClock(START))
    yield opened
    opened.close()
