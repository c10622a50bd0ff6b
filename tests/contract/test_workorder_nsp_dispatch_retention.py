"""The dispatches to NSP the hub keeps (``nsp_dispatches``, one row per dispatch) are pruned by the workflow's
retention: a row goes once its work order was closed or cancelled longer ago than the processed-message records
are kept (``[workflow] keep_processed_days``), in bounded batches; the rows of open work orders, and of work orders
finished more recently, stay (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from hub.workflow.retention import WorkflowRetention
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.nsp_dispatches import dispatched_work_order, purge_nsp_dispatches, record_nsp_dispatch
from hub.workflow.store.schema import nsp_dispatches
from tests.support.workorder_store import T0, make_row


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def kept(store: WorkOrderStore) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(nsp_dispatches)).scalar_one())


def dispatched(store: WorkOrderStore, n: int, state: str, closed_at: datetime | None, dispatches: int = 1) -> str:
    """A work order in ``state`` (closed at ``closed_at``) with ``dispatches`` dispatches to NSP; its id."""
    work_order_id = f"WO20261203NSPD{n:04d}"
    with store.transaction() as tx:
        tx.insert_work_order(make_row(n, id=work_order_id, state=state, closed_at=closed_at))
        for d in range(dispatches):
            record_nsp_dispatch(tx.db, f"hub-dispatch-{n:04d}-{d}", work_order_id, T0 + timedelta(minutes=n))
    return work_order_id


def test_the_dispatches_of_work_orders_finished_before_the_retention_go(
        open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    clock = Clock(T0)
    store = open_workorder_store(clock=clock)
    closed = dispatched(store, 1, "CLOSED", T0 + timedelta(hours=1), dispatches=2)
    cancelled = dispatched(store, 2, "CANCELLED", T0 + timedelta(hours=2))
    open_one = dispatched(store, 3, "DISPATCHED", None)
    recent = dispatched(store, 4, "CLOSED", T0 + timedelta(days=5))
    retention = WorkflowRetention(store, timedelta(days=7))
    clock.now = T0 + timedelta(days=7)
    assert retention.purge_nsp_dispatches() == 0  # closed 7 days ago less an hour: kept
    clock.now = T0 + timedelta(days=7, hours=3)
    assert retention.run_pass() == 3
    with store.engine.connect() as connection:
        assert dispatched_work_order(connection, "hub-dispatch-0001-0") is None
        assert dispatched_work_order(connection, "hub-dispatch-0002-0") is None
        assert dispatched_work_order(connection, "hub-dispatch-0003-0") == open_one
        assert dispatched_work_order(connection, "hub-dispatch-0004-0") == recent
    assert kept(store) == 2 and cancelled.startswith("WO")
    assert store.get_work_order(closed) is not None  # the work order stays: only its dispatches' rows went


def test_the_purge_goes_in_bounded_batches_past_the_open_ones(workorder_store: WorkOrderStore) -> None:
    finished = T0 + timedelta(hours=1)
    for n in range(1, 8):
        dispatched(workorder_store, n, "DISPATCHED" if n % 3 == 0 else "CLOSED", None if n % 3 == 0 else finished)
    assert purge_nsp_dispatches(workorder_store.engine, T0 + timedelta(days=1), batch=2) == 5
    assert kept(workorder_store) == 2
    assert purge_nsp_dispatches(workorder_store.engine, T0 + timedelta(days=1), batch=2) == 0
