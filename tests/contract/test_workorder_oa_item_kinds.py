"""Work-order store contract, the kind and user of the items pushed to OA (migration 0027): on SQLite and PostgreSQL
alike, a database at 0026 is brought to head with its rows kept as they were, of no kind and no user (never
withdrawn: which were to-reads is not known); items kept since carry both, a work order's to-reads not withdrawn
are read back with their users (its to-dos never), each withdrawn once; and the migration goes back down to 0026."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import insert, inspect, select

from hub.workflow.store import WorkOrderStore
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import _config, current_revision, head_revision, upgrade
from hub.workflow.store.oa_items import TO_READ, TODO, OaToRead, mark_withdrawn, open_to_reads, record_oa_item
from hub.workflow.store.schema import oa_items, work_orders

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
WORK_ORDER = "WO20261201AAAAAA01"


def test_a_database_at_0026_keeps_its_items_without_a_kind(store_url: str) -> None:
    store = WorkOrderStore(create_store_engine(store_url), migrate=False)
    try:
        upgrade(store.engine, "0026")
        with store.engine.begin() as connection:
            connection.execute(insert(work_orders), [{
                "id": WORK_ORDER, "channel": "HOTLINE", "msisdn": "13800138000", "category_code": "01.02.03",
                "state": "DISPATCHED", "created_at": AT, "updated_at": AT, "escalation_level": 0}])
            connection.execute(insert(oa_items), [{"work_order_id": WORK_ORDER, "item_id": f"{WORK_ORDER}-rem0-0",
                                                   "pushed_at": AT}])
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
        with store.engine.begin() as connection:
            old = connection.execute(select(oa_items.c.kind, oa_items.c.user_id, oa_items.c.withdrawn_at)).one()
            assert tuple(old) == (None, None, None)
            assert open_to_reads(connection, WORK_ORDER) == []  # of no kind: never withdrawn
            record_oa_item(connection, WORK_ORDER, f"{WORK_ORDER}-rem1-0", AT, kind=TO_READ, user_id="mgr-1")
            record_oa_item(connection, WORK_ORDER, f"{WORK_ORDER}-rem1-0", AT, kind=TO_READ, user_id="mgr-1")
            record_oa_item(connection, WORK_ORDER, f"{WORK_ORDER}-rem1-visit-desk", AT, kind=TO_READ,
                           user_id="mgr-2")
            record_oa_item(connection, WORK_ORDER, f"{WORK_ORDER}-esc1-0", AT, kind=TODO, user_id="mgr-3")
        with store.engine.begin() as connection:
            assert open_to_reads(connection, WORK_ORDER) == [OaToRead(f"{WORK_ORDER}-rem1-0", "mgr-1"),
                                                             OaToRead(f"{WORK_ORDER}-rem1-visit-desk", "mgr-2")]
            mark_withdrawn(connection, WORK_ORDER, [f"{WORK_ORDER}-rem1-0"], AT + timedelta(hours=1))
            mark_withdrawn(connection, WORK_ORDER, [f"{WORK_ORDER}-rem1-0"], AT + timedelta(hours=2))  # kept once
        with store.engine.connect() as connection:
            assert open_to_reads(connection, WORK_ORDER) == [OaToRead(f"{WORK_ORDER}-rem1-visit-desk", "mgr-2")]
            withdrawn = connection.execute(select(oa_items.c.withdrawn_at).where(
                oa_items.c.item_id == f"{WORK_ORDER}-rem1-0")).scalar_one()
            assert withdrawn == AT + timedelta(hours=1)

        config = _config()
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0026")
        assert current_revision(store.engine) == "0026"
        columns = {c["name"] for c in inspect(store.engine).get_columns("oa_items")}
        assert columns == {"work_order_id", "item_id", "pushed_at"}
    finally:
        store.close()
