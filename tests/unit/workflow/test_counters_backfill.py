"""A store with work orders and no statistics counters (upgraded from before migration 0005, or filled by other
means) gets them when the workflow's runtime opens it, before a message is handled; counters that exist are left."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from hub.config.workflow import WorkflowSettings
from hub.workflow.clock import ManualClock
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.statistics.backfill import counters_missing
from hub.workflow.store.schema import work_order_counters
from tests.unit.workflow.deadline_kit import START, act, create

pytestmark = pytest.mark.unit


def counter_rows(runtime: WorkflowRuntime) -> list[tuple[object, ...]]:
    with runtime.store.engine.connect() as connection:
        return sorted(tuple(r) for r in connection.execute(select(work_order_counters)))


def test_counters_missing_beside_work_orders_are_counted_at_start(runtime: WorkflowRuntime) -> None:
    first = create(runtime, "CONTRACT")
    create(runtime, "VIP_GOLD", msisdn="13900000002")
    act(runtime, first, A.DISPATCH)
    kept = counter_rows(runtime)
    assert kept and not counters_missing(runtime.store.engine)
    with runtime.store.engine.begin() as connection:  # as a store from before migration 0005 has them
        connection.execute(delete(work_order_counters))
    assert counters_missing(runtime.store.engine)
    reopened = open_runtime(WorkflowSettings(database=str(runtime.store.engine.url)), clock=ManualClock(START))
    try:
        assert counter_rows(reopened) == kept
    finally:
        reopened.close()


def test_the_old_work_orders_are_counted_before_a_new_complaint_writes_counters(runtime: WorkflowRuntime) -> None:
    """Upgraded with a backlog queued: the first complaint handled after the start must not hide the old work
    orders from the check (it found counter rows and skipped the backfill for good; audit of upgrades, repro_1)."""
    for number in range(3):
        create(runtime, "CONTRACT", msisdn=f"1390000000{number}")
    with runtime.store.engine.begin() as connection:  # a store from before migration 0005
        connection.execute(delete(work_order_counters))
    reopened = open_runtime(WorkflowSettings(database=str(runtime.store.engine.url)), clock=ManualClock(START))
    try:
        create(reopened, "CONTRACT", msisdn="13900000009")  # the backlog's first complaint
        with reopened.store.engine.connect() as connection:
            created = connection.execute(select(func.sum(work_order_counters.c.count)).where(
                work_order_counters.c.measure == "created", work_order_counters.c.category_code == "*",
                func.length(work_order_counters.c.day) == 7)).scalar_one()
        assert created == 4
    finally:
        reopened.close()


def test_existing_counters_and_an_empty_store_are_left_alone(runtime: WorkflowRuntime) -> None:
    assert not counters_missing(runtime.store.engine)  # no work orders: nothing to count
    create(runtime, "CONTRACT")
    with runtime.store.engine.begin() as connection:
        first = connection.execute(select(work_order_counters.c.day).limit(1)).scalar_one()
        connection.execute(work_order_counters.update().where(work_order_counters.c.day == first).values(count=99))
    reopened = open_runtime(WorkflowSettings(database=str(runtime.store.engine.url)), clock=ManualClock(START))
    reopened.close()
    with runtime.store.engine.connect() as connection:
        assert connection.execute(select(func.max(work_order_counters.c.count))).scalar_one() == 99
