"""The statistics' unit tests again on PostgreSQL (a fresh database of the session's private cluster per test): the
counters' upsert, the rebuild and the figures' read are the same SQL on both dialects, and so are the counts."""

from __future__ import annotations

import pytest

from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.conftest import client, config  # noqa: F401 - the fixtures, on this module's runtime
from tests.unit.workflow.test_statistics_cli import (  # noqa: F401 - collected here too
    test_stats_prints_tables_and_json,
    test_stats_rebuild_restores_the_counters,
)
from tests.unit.workflow.test_statistics_counters import (  # noqa: F401
    test_a_dispatch_refused_for_missing_template_fields_is_counted,
    test_a_mass_complaint_counts_ten_complaints_and_one_incident,
    test_an_auto_answer_is_a_first_contact_resolution_and_a_repeat_is_marked,
    test_an_incident_counts_apart_from_the_complaints,
    test_an_outage_auto_answer_and_its_recovery_reply_are_in_time,
    test_counts_are_written_at_the_commit_summed_and_undone_with_their_savepoint,
    test_creation_dispatch_rejection_and_reply_are_counted_under_the_creation_day,
    test_query_statistics_answers_the_figures,
    test_replies_in_time_late_and_in_time_thanks_to_a_credited_pause,
)
from tests.unit.workflow.test_statistics_outage_areas import (  # noqa: F401
    test_an_area_the_outage_covers_without_complaints_counts_none,
    test_an_outage_of_two_cities_counts_each_citys_complaints_under_its_area,
)
from tests.unit.workflow.test_statistics_sla_overdue import (  # noqa: F401
    test_cancelling_an_overdue_complaint_keeps_its_breach,
    test_escalations_are_in_the_totals,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime
