"""The correction-order tests of tests/unit/workflow/test_outage_correction_order.py, again on PostgreSQL: the
kept SentAt (``outage_notices.sent_at``) is compared and moved on by the same SQL on both dialects."""

from __future__ import annotations

import pytest

from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.test_outage_correction_order import (  # noqa: F401 - collected here too
    test_a_correction_sent_later_still_replaces_the_original,
    test_the_kept_version_said_again_later_outranks_a_variant_sent_in_between,
    test_the_original_reaching_the_workflow_after_its_correction_is_stale,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime
