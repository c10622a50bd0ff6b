"""The tests of tests/unit/workflow/test_short_texts_kept_whole.py on PostgreSQL (a fresh database of the session's
private cluster per test): a hub there takes a complaint with a 200-character district and keeps a notice from a
200-character sending department; before migration 0014 both columns were VARCHAR(64) and the complaint was
dead-lettered."""

from __future__ import annotations

import pytest

from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.test_short_texts_kept_whole import (  # noqa: F401 - collected here too
    test_a_complaint_with_a_district_of_200_characters_is_taken_and_kept_whole,
    test_a_notice_from_a_department_of_200_characters_is_kept_whole,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime
