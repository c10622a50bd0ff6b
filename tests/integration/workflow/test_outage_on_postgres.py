"""The outage auto-answer tests of tests/unit/workflow/test_outage_rule.py, again on PostgreSQL (a fresh database of
the session's private cluster per test): notices kept by revision, matching, late linking and clearance run the same
SQL on both dialects, with the same results."""

from __future__ import annotations

import pytest

from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.test_outage_correction_order import (  # noqa: F401 - collected here too
    test_a_revision_sent_after_the_clearance_reopens_the_notice,
    test_a_revision_sent_before_the_clearance_it_came_after_does_not_reopen_the_notice,
)
from tests.unit.workflow.test_outage_rule import (  # noqa: F401 - collected here too
    test_a_cleared_notice_answers_nothing,
    test_a_complaint_an_active_notice_explains_is_answered_at_intake,
    test_a_complaint_the_notice_does_not_explain_is_handled_as_usual,
    test_a_complaint_the_notice_explains_in_other_ways,
    test_a_late_notice_links_the_open_complaints_it_explains_and_tells_their_owners,
    test_a_newer_revision_with_another_area_links_the_complaints_there,
    test_a_notice_first_seen_cleared_is_kept_and_answers_nothing,
    test_an_answered_complaint_stays_off_the_sla_clock,
    test_an_inconsistent_notice_is_dead_lettered,
    test_an_older_revision_is_ignored,
    test_clearance_replies_the_recovery_notice_to_the_linked_complaints,
    test_the_active_notices_are_read_by_revision_and_parsed_once,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime
