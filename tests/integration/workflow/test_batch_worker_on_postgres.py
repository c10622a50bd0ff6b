"""The worker's batch-mode tests of tests/unit/workers/test_batch_worker.py, again on PostgreSQL (a fresh database
of the session's private cluster per test): the batch's ids locked with one statement, savepoints, one commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.support.postgres_server import PostgresServer
from tests.unit.workers.test_batch_worker import (  # noqa: F401 - the fixture and the tests, on this module's runtime
    kit,
    settings,
    test_a_missing_confirm_undoes_the_batch_and_each_message_goes_alone,
    test_a_statement_the_database_refuses_undoes_only_its_message,
    test_each_history_row_names_the_message_of_its_batch,
    test_one_batch_one_commit_and_each_message_settled_as_alone,
    test_the_worker_consumes_in_batches_and_answers_every_request,
)
from tests.unit.workflow.kit import START

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def batch_runtime(postgres_server: PostgresServer) -> Iterator[WorkflowRuntime]:
    opened = open_runtime(settings(postgres_server.create_database()), clock=ManualClock(START))
    yield opened
    opened.close()
