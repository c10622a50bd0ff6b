"""A store with work orders and no statistics counters (upgraded from before migration 0005, or filled by other
means) gets them when the workflow starts: the scheduler's thread counts them once; counters that exist are left."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.statistics.backfill import counters_missing
from hub.workflow.store.schema import work_order_counters
from tests.unit.workflow.deadline_kit import act, create

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
    DeadlineScheduler(runtime, None).fill_missing_counters()
    assert counter_rows(runtime) == kept


def test_existing_counters_and_an_empty_store_are_left_alone(runtime: WorkflowRuntime) -> None:
    assert not counters_missing(runtime.store.engine)  # no work orders: nothing to count
    create(runtime, "CONTRACT")
    with runtime.store.engine.begin() as connection:
        first = connection.execute(select(work_order_counters.c.day).limit(1)).scalar_one()
        connection.execute(work_order_counters.update().where(work_order_counters.c.day == first).values(count=99))
    DeadlineScheduler(runtime, None).fill_missing_counters()
    with runtime.store.engine.connect() as connection:
        assert connection.execute(select(func.max(work_order_counters.c.count))).scalar_one() == 99
