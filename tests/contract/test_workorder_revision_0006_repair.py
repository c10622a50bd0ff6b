"""Revision id 0006 named two migrations (48eeb58's ``0006_awaiting_reply_index``, reverted by 1bfacd2; today's
``0006_listener_suspension``): a store stamped 0006 by 48eeb58 went on to head without
``event_listeners.suspended_at`` and every read of the listeners failed. Migration 0011 repairs it; on SQLite and
PostgreSQL (the contract suite's ``store_url``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from hub.workflow.store import WorkOrderStore, outbox
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import current_revision, head_revision, upgrade
from hub.workflow.store.schema import VERSION_TABLE, metadata

REVERTED_INDEX = "ix_work_orders_awaiting_reply"
# 48eeb58's hub/workflow/store/schema.py AWAITING_REPLY, the condition of its partial index
AWAITING_REPLY = ("replied_at IS NULL AND ticket_type = 'COMPLAINT' AND state IN ('NEW', 'ACCEPTED', 'DISPATCHED', "
                  "'DISPATCH_REJECTED', 'IN_PROGRESS', 'PENDING', 'SUSPENDED', 'ESCALATED')")


def stamped_0006_by_48eeb58(url: str) -> None:
    """A store as 48eeb58 left it: 0001-0005, then its 0006 (the partial index, no ``suspended_at``)."""
    engine = create_store_engine(url)
    try:
        upgrade(engine, "0005")
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE INDEX {REVERTED_INDEX} ON work_orders "
                                       f"(created_at, reply_due, tier, area_code) WHERE {AWAITING_REPLY}"))
            versions = sa.table(VERSION_TABLE, sa.column("version_num"))
            connection.execute(sa.update(versions).values(version_num="0006"))
        assert current_revision(engine) == "0006"
    finally:
        engine.dispose()


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
        return list(compare_metadata(context, metadata))


def test_a_store_stamped_0006_by_48eeb58_is_repaired_on_its_way_to_head(store_url: str) -> None:
    stamped_0006_by_48eeb58(store_url)
    store = WorkOrderStore.open(store_url)  # migrates, as `onepoint workorders migrate` and `serve` do
    try:
        assert current_revision(store.engine) == head_revision()
        inspector = sa.inspect(store.engine)
        assert "suspended_at" in {c["name"] for c in inspector.get_columns("event_listeners")}
        assert REVERTED_INDEX not in {i["name"] for i in inspector.get_indexes("work_orders")}
        assert schema_differences(store.engine) == []
        with store.engine.connect() as connection:
            assert outbox.listeners(connection) == []  # "no such column: event_listeners.suspended_at" before
    finally:
        store.close()


def test_the_repair_leaves_a_right_store_as_it_is(store_url: str) -> None:
    engine = create_store_engine(store_url)
    try:
        upgrade(engine, "0010")
        upgrade(engine)  # 0011 on a store that needs no repair: nothing to add, nothing to drop
        assert current_revision(engine) == head_revision()
        assert schema_differences(engine) == []
    finally:
        engine.dispose()
