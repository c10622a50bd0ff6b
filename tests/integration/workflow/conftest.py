"""The work-order engine's runtime on a fresh database of the session's private PostgreSQL cluster, for the
``*_on_postgres`` modules (each names it ``runtime``, as the unit suite's fixtures expect)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.config.workflow import WorkflowSettings
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.support.postgres_server import PostgresServer
from tests.unit.workflow.kit import START


@pytest.fixture
def postgres_runtime(postgres_server: PostgresServer) -> Iterator[WorkflowRuntime]:
    opened = open_runtime(WorkflowSettings(database=postgres_server.create_database()), clock=ManualClock(START))
    yield opened
    opened.close()
