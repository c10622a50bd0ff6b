"""The work-order engine's health gauges on PostgreSQL: the unit tests on a database of the private cluster, and the
plans of the scrape's reads over many open work orders: the due deadlines a range of the scheduler's partial index
``ix_deadlines_open_due``, the unpublished events of ``ix_work_order_events_unpublished``, never a pass over the
tables."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.health import due_deadlines_query
from hub.workflow.store.schema import work_order_events
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.test_health_gauges import (  # noqa: F401
    test_a_due_deadline_not_fired_makes_the_lag_grow_with_the_clock_until_the_scheduler_fires_it,
    test_a_read_is_served_to_the_scrapes_for_max_age,
    test_listeners_are_counted_active_retrying_and_parked,
    test_unpublished_events_are_counted_and_age_until_every_listener_passed_them,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

OPEN = 100_000  # open work orders, each with two deadlines ahead and one fired; a few hundred due


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime


def _fill(runtime: WorkflowRuntime) -> None:
    now = runtime.clock.now()
    with runtime.store.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO work_orders (id, channel, msisdn, category_code, state, created_at, updated_at) "
            "SELECT 'WO20261123' || lpad(n::text, 8, '0'), 'HOTLINE', '138' || lpad(n::text, 8, '0'), '01.02.03', "
            "'IN_PROGRESS', :now, :now FROM generate_series(1, :open) AS n"), {"now": now, "open": OPEN})
        connection.execute(text(
            "INSERT INTO deadlines (work_order_id, kind, due_at, fired_at) "
            "SELECT 'WO20261123' || lpad(n::text, 8, '0'), k.kind, "
            "CASE k.kind WHEN 'warning' THEN :now - interval '1 day' "
            "WHEN 'reply' THEN :now + (n - 500) * interval '1 second' ELSE :now + interval '7 days' END, "
            "CASE k.kind WHEN 'warning' THEN :now - interval '1 day' END "
            "FROM generate_series(1, :open) AS n, (VALUES ('reply'), ('return_visit'), ('warning')) AS k(kind)"),
            {"now": now, "open": OPEN})
        connection.execute(text(
            "INSERT INTO work_order_events (event_id, work_order_id, seq, kind, payload, created_at, published_at) "
            "SELECT 'ev-' || n, 'WO20261123' || lpad(n::text, 8, '0'), 1, 'TroubleTicketCreateEvent', '{}', :now, "
            "CASE WHEN n <= :open - 300 THEN :now END FROM generate_series(1, :open) AS n"),
            {"now": now, "open": OPEN})
    with runtime.store.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def _plan(runtime: WorkflowRuntime, query: object) -> str:
    compiled = query.compile(dialect=runtime.store.engine.dialect)  # type: ignore[attr-defined]
    with runtime.store.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
    return "\n".join(str(r[0]) for r in rows)


def test_the_scrapes_reads_are_ranges_of_the_partial_indexes_over_many_open_work_orders(
    runtime: WorkflowRuntime,
) -> None:
    _fill(runtime)
    now = runtime.clock.now()
    due = _plan(runtime, due_deadlines_query(now))
    assert "ix_deadlines_open_due" in due and "Seq Scan" not in due, due
    unpublished = _plan(runtime, select(func.count()).select_from(work_order_events)
                        .where(work_order_events.c.published_at.is_(None)))
    assert "ix_work_order_events_unpublished" in unpublished and "Seq Scan" not in unpublished, unpublished
    found = runtime.store.health(now)
    assert found.due == 500 and found.oldest_due == now - timedelta(seconds=499)
    assert found.unpublished == 300
