"""The work-order engine's health on ``/metrics``, read from its database at scrape time: the deadline scheduler's
lag and the due deadlines, the event outbox's backlog, the listeners by state; one read per ``max_age`` shared by
the scrapes; a failing read leaves the scrape working. The reads are index ranges (``EXPLAIN QUERY PLAN``)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub.observability.metrics import Metrics
from hub.observability.work_order_health import WorkOrderHealth, WorkOrderHealthGauges
from hub.workers import WorkerTestClient
from hub.workflow.health_gauges import track_health
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.store.health import due_deadlines_query
from hub.workflow.store.outbox import suspend_listener
from hub.workflow.store.schema import deadlines
from tests.unit.workflow.deadline_kit import clock, create

pytestmark = pytest.mark.unit

LAG, DUE = "onepoint_deadline_scheduler_lag_seconds", "onepoint_deadlines_due"
UNPUBLISHED, OLDEST = "onepoint_event_outbox_unpublished", "onepoint_event_outbox_oldest_unpublished_seconds"
LISTENERS = "onepoint_event_listeners"


def _first_due(runtime: WorkflowRuntime) -> timedelta:
    """How long after now the first deadline of the store falls due."""
    with runtime.store.engine.connect() as connection:
        first = connection.execute(select(func.min(deadlines.c.due_at))).scalar_one()
    return first - runtime.clock.now()


def test_a_due_deadline_not_fired_makes_the_lag_grow_with_the_clock_until_the_scheduler_fires_it(
    runtime: WorkflowRuntime, client: WorkerTestClient
) -> None:
    metrics = Metrics()
    track_health(metrics, runtime.store, runtime.clock, max_age=0)
    assert metrics.value(LAG) == 0 and metrics.value(DUE) == 0  # an empty store: the samples are there, at 0
    create(runtime)
    assert metrics.value(LAG) == 0 and metrics.value(DUE) == 0  # deadlines ahead, none due
    clock(runtime).advance(_first_due(runtime) + timedelta(minutes=10))
    assert metrics.value(LAG) == 600 and metrics.value(DUE) >= 1
    clock(runtime).advance(timedelta(minutes=5))
    assert metrics.value(LAG) == 900
    DeadlineScheduler(runtime, client.outbound, batch=50).run_pass()
    assert metrics.value(LAG) == 0 and metrics.value(DUE) == 0


def test_unpublished_events_are_counted_and_age_until_every_listener_passed_them(runtime: WorkflowRuntime) -> None:
    metrics = Metrics()
    track_health(metrics, runtime.store, runtime.clock, max_age=0)
    assert metrics.value(UNPUBLISHED) == 0 and metrics.value(OLDEST) == 0
    create(runtime)  # its TroubleTicketCreateEvent, in the outbox
    clock(runtime).advance(timedelta(seconds=42))
    assert metrics.value(UNPUBLISHED) == 1 and metrics.value(OLDEST) == 42
    runtime.store.mark_published_through(runtime.store.outbox_end(), runtime.clock.now())
    assert metrics.value(UNPUBLISHED) == 0 and metrics.value(OLDEST) == 0


def test_listeners_are_counted_active_retrying_and_parked(runtime: WorkflowRuntime) -> None:
    metrics = Metrics()
    track_health(metrics, runtime.store, runtime.clock, max_age=0)
    assert [metrics.value(LISTENERS, state=s) for s in ("active", "retrying", "parked")] == [0, 0, 0]
    now = runtime.clock.now()
    store = runtime.store
    ids = [store.add_listener(f"http://127.0.0.1:9/{n}", None, now).id for n in range(4)]
    store.listener_failed(ids[1], 2, now + timedelta(minutes=1), "HTTP 503")
    with store.engine.begin() as connection:
        suspend_listener(connection, ids[2], now, "HTTP 410 Gone")
    assert [metrics.value(LISTENERS, state=s) for s in ("active", "retrying", "parked")] == [2, 1, 1]
    assert f'{LISTENERS}{{state="parked"}} 1.0' in metrics.render()[0].decode()


def test_a_read_is_served_to_the_scrapes_for_max_age(runtime: WorkflowRuntime) -> None:
    metrics = Metrics()
    track_health(metrics, runtime.store, runtime.clock, max_age=3600)
    create(runtime)
    clock(runtime).advance(_first_due(runtime) + timedelta(minutes=10))
    assert metrics.value(LAG) == 600  # the first scrape reads the store
    clock(runtime).advance(timedelta(minutes=5))
    assert metrics.value(LAG) == 600  # within max_age: the same read, the store not asked again

    now, reads = [0.0], []

    def read() -> WorkOrderHealth:
        reads.append(now[0])
        return WorkOrderHealth(deadlines_due=len(reads))

    gauges = WorkOrderHealthGauges(read, max_age=5.0, clock=lambda: now[0])
    assert gauges.cache.get() == WorkOrderHealth(deadlines_due=1)
    now[0] = 4.9
    assert gauges.cache.get() == WorkOrderHealth(deadlines_due=1) and reads == [0.0]
    now[0] = 5.0
    assert gauges.cache.get() == WorkOrderHealth(deadlines_due=2) and reads == [0.0, 5.0]


def test_a_failing_read_gives_no_sample_the_scrape_goes_on_and_the_log_says_it_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()
    metrics.work_order_action("CREATE")

    def down() -> WorkOrderHealth:
        raise ConnectionRefusedError("connection refused")

    metrics.track_work_orders(down, max_age=0)
    with caplog.at_level(logging.WARNING, logger="onepoint.metrics"):
        for _ in range(3):
            body = metrics.render()[0].decode()
            assert 'onepoint_work_order_actions_total{action="CREATE"} 1.0' in body
            assert f"# TYPE {LAG} gauge" in body and f"\n{LAG} " not in body
    lines = [r for r in caplog.records if "work-order database" in r.getMessage()]
    assert len(lines) == 1 and lines[0].reason == "ConnectionRefusedError: connection refused"  # type: ignore[attr-defined]
    metrics.track_work_orders(lambda: WorkOrderHealth(deadline_lag_seconds=3.0), max_age=0)  # replaces the read
    assert metrics.value(LAG) == 3


def test_stopping_takes_the_gauges_off_metrics(runtime: WorkflowRuntime) -> None:
    metrics = Metrics()
    stop = track_health(metrics, runtime.store, runtime.clock, max_age=0)
    assert LAG in metrics.render()[0].decode()
    stop()
    assert LAG not in metrics.render()[0].decode()
    track_health(metrics, runtime.store, runtime.clock, max_age=0)  # tracked again: no duplicate registration
    assert metrics.value(DUE) == 0 and LAG in metrics.render()[0].decode()


def test_the_due_deadlines_are_read_as_a_range_of_the_schedulers_index(runtime: WorkflowRuntime) -> None:
    sql = str(due_deadlines_query(runtime.clock.now()).compile(runtime.store.engine))
    with runtime.store.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", ("2026-11-23 01:15:00",) * sql.count("?")).all()
    details = " ".join(str(r[3]) for r in plan)
    assert "SEARCH deadlines USING INDEX ix_deadlines_open_due (due_at<?)" in details, details


def test_the_fired_counter_counts_each_row_that_fired_once(runtime: WorkflowRuntime,
                                                          client: WorkerTestClient) -> None:
    """The hub down 12 h over a VIP's deadlines: the passes after the restart claim rows that an earlier row of the
    same pass replaced (its firing rescheduled the work order); those did not fire and are not counted (before,
    they were, and again when they fired: REPLY:WARNING four times for one row). The levels passed over (due while
    the hub was down, recorded fired, the breach told once at the highest) are not fired by a pass either."""
    metrics = Metrics()
    runtime.metrics = metrics
    work_order_id = create(runtime, "VIP_GOLD")
    clock(runtime).advance(timedelta(hours=12))
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    for _ in range(6):
        scheduler.run_pass()
        clock(runtime).advance(timedelta(seconds=5))
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    fired = {d["kind"] for d in view.deadlines if d["fired_at"] is not None}
    passed_over = {kind for kind in fired if ":ESCALATE" in kind}  # recorded, told at the alarm: not fired by a pass
    assert passed_over
    for kind in fired:
        assert metrics.value("onepoint_deadlines_fired_total", kind=kind) == (kind not in passed_over), kind
