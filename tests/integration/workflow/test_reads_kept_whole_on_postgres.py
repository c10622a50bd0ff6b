"""The repeats of reads kept whole by a release before migration 0008 (tests/unit/workflow/
test_reads_kept_whole_before_0008.py) again on PostgreSQL, a fresh database of the session's private cluster per
test: the duplicate is found by PostgreSQL's lookup (``claiming``: one statement, the advisory lock tried only where
no record is) and run again in a transaction of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.support.postgres_server import PostgresServer
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.incident_kit import settings
from tests.unit.workflow.kit import START
from tests.unit.workflow.test_reads_kept_whole_before_0008 import (  # noqa: F401 - collected here too
    broker,
    test_a_repeat_of_a_read_kept_whole_is_answered_afresh,
    test_an_id_of_a_read_kept_whole_reused_for_another_document_is_refused,
    test_in_a_batch_a_repeat_of_a_read_kept_whole_is_answered_afresh,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_server: PostgresServer) -> Iterator[WorkflowRuntime]:
    opened = open_runtime(settings(postgres_server.create_database()), clock=ManualClock(START))
    yield opened
    opened.close()
