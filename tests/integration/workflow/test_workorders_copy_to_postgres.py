"""``onepoint workorders copy`` from a hub's SQLite file into PostgreSQL, the database several hubs share (the
copy tests of tests/unit/workflow/test_workorders_copy.py, ``copy_target`` a new database of the session's private
cluster): the types carried across dialects, the sequences set past the copied keys (the next history row, deadline
and event of a new complaint get keys of their own, the event a position past every one the file handed out), a
district as long as c:ShortText allows (VARCHAR(64) before migration 0014), the file read as one snapshot, a row
the target refuses named."""

from __future__ import annotations

import pytest

from tests.support.postgres_server import PostgresServer
from tests.unit.workflow.test_workorders_copy import (  # noqa: F401 - the fixture and the tests, on PostgreSQL
    source,
    test_a_district_as_long_as_the_schema_allows_is_copied,
    test_a_row_the_target_refuses_is_named,
    test_a_target_that_holds_rows_is_refused_and_left_as_it_was,
    test_every_row_is_copied_and_the_hub_goes_on_there,
    test_the_file_is_read_as_one_snapshot,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def copy_target(postgres_server: PostgresServer) -> str:
    return str(postgres_server.create_database())
