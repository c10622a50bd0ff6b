"""A hub's SQLite work-order file with something in every table that matters to a copy (``onepoint workorders
copy``): work orders at several states with their history and deadlines, events, a listener, processed messages,
statistics counters; the newest events purged, so the file's AUTOINCREMENT remembers positions no row holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from hub.config.workflow import WorkflowSettings
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import open_runtime
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.schema import metadata, work_order_events
from tests.unit.workflow.incident_kit import client_of
from tests.unit.workflow.kit import START
from tests.unit.workflow.listener_kit import create, register, to_close

__all__ = ["FilledSource", "counts", "fill_source", "workflow_client"]

workflow_client = client_of  # the workflow's handlers on a runtime, BOSS's tier lookups answered with the example


@dataclass(frozen=True)
class FilledSource:
    path: Path
    work_orders: list[str]
    closed: str
    listener_id: str
    last_position: int  # the largest outbox position handed out (the events after the first three purged)


def counts(url: str) -> dict[str, int]:
    """The rows of each table of the work-order database at ``url``."""
    engine = create_store_engine(url)
    try:
        with engine.connect() as db:
            return {table.name: int(db.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
                    for table in metadata.sorted_tables}
    finally:
        engine.dispose()


def fill_source(path: Path) -> FilledSource:
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{path}"), clock=ManualClock(START))
    try:
        client = workflow_client(runtime)
        listener_id = register(client, "http://listener.test/events")
        orders = [create(client, Msisdn=msisdn) for msisdn in ("13800138000", "13900139000", "13700137000")]
        to_close(client, orders[0])
        with runtime.store.engine.begin() as db:
            last = int(db.execute(sa.select(sa.func.max(work_order_events.c.position))).scalar_one())
            db.execute(sa.delete(work_order_events).where(work_order_events.c.position > 3))
    finally:
        runtime.close()
    return FilledSource(path, orders, orders[0], listener_id, last)
