"""A newer hub widens a column on the shared PostgreSQL (a migration such as 0014) while an older hub runs: the
statements its connections had prepared fail once each (``cached plan must not change result type``). The hub
takes that failure as transient (``hub.database.stale_plan``) and the next attempt runs, as psycopg prepares the
statement again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.database import stale_plan
from hub.workflow.store.dialect import create_store_engine
from tests.support.postgres_server import PostgresServer

pytestmark = pytest.mark.integration

QUERY = sa.text("SELECT id, district FROM stale_plan_rows WHERE id = :id")


def test_a_column_widened_under_prepared_statements_fails_once_and_is_known_transient(
        postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    admin = sa.create_engine(url)
    engine = create_store_engine(url, pool_size=1)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE stale_plan_rows (id int PRIMARY KEY, district varchar(64))")
            connection.exec_driver_sql("INSERT INTO stale_plan_rows VALUES (1, '越秀区')")
        for _ in range(8):  # past psycopg's prepare threshold: the statement is prepared on the server
            with engine.begin() as connection:
                connection.execute(QUERY, {"id": 1}).all()
        with admin.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE stale_plan_rows ALTER COLUMN district TYPE varchar(200)")
        with pytest.raises(sa.exc.DBAPIError) as failed, engine.begin() as connection:
            connection.execute(QUERY, {"id": 1}).all()
        assert stale_plan(failed.value) and stale_plan(failed.value.orig)
        with engine.begin() as connection:  # the next attempt, on the same connection
            assert connection.execute(QUERY, {"id": 1}).all() == [(1, "越秀区")]
        with pytest.raises(sa.exc.DBAPIError) as other, engine.begin() as connection:
            connection.exec_driver_sql("SELECT * FROM no_such_table")
        assert not stale_plan(other.value)
    finally:
        engine.dispose()
        admin.dispose()
