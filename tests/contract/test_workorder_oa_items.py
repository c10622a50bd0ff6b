"""Work-order store contract, the items pushed to OA (migration 0026): on SQLite and PostgreSQL alike, a database at
0025 is brought to head with a row ``before-0026`` for each work order whose history shows OA was pushed an item
(escalated, dispatched to a department OA reaches, warned, reminded, linked to an outage), none for the others (OA
may not read them: ``hub.workflow.work_order_readers``), and the migration goes back down to 0025."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import insert, inspect, select

from hub.workflow.store import WorkOrderStore
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import _config, current_revision, head_revision, upgrade
from hub.workflow.store.oa_items import (
    dispatched_to_nsp,
    dispatched_to_nsp_clause,
    has_oa_item,
    has_oa_item_clause,
    record_oa_item,
)
from hub.workflow.store.queries import find_work_orders
from hub.workflow.store.schema import nsp_dispatches, oa_items, work_order_history, work_orders

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def work_order(number: int, **columns: Any) -> dict[str, Any]:
    return {"id": f"WO20261201AAAAAA{number:02d}", "channel": "HOTLINE", "msisdn": "13800138000",
            "category_code": "01.02.03", "state": "DISPATCHED", "created_at": AT, "updated_at": AT,
            "escalation_level": 0, "dispatch_system": None, **columns}  # every row the same keys (executemany)


def entry(work_order_id: str, seq: int, **columns: Any) -> dict[str, Any]:
    return {"work_order_id": work_order_id, "seq": seq, "at": AT, "kind": "field", "action": None, "field": None,
            **columns}


def test_a_database_at_0025_gets_the_items_its_history_shows(store_url: str) -> None:
    store = WorkOrderStore(create_store_engine(store_url), migrate=False)
    try:
        upgrade(store.engine, "0025")
        orders = {
            "plain": work_order(1, state="ACCEPTED"),
            "to_nsp": work_order(2, dispatch_system="NSP"),
            "mailed": work_order(3, dispatch_system="MAIL"),
            "escalated": work_order(4, escalation_level=1),
            "department": work_order(5, dispatch_system="BOSS"),
            "warned": work_order(6, dispatch_system="NSP"),
            "reminded": work_order(7, dispatch_system="NSP"),
            "old_dispatch": work_order(8),  # dispatched before 0007: no dispatch_system
        }
        ids = {name: row["id"] for name, row in orders.items()}
        with store.engine.begin() as connection:
            connection.execute(insert(work_orders), list(orders.values()))
            connection.execute(insert(work_order_history), [
                entry(ids["to_nsp"], 1, kind="state", action="DISPATCH"),
                entry(ids["warned"], 1, action="WARNING", field="deadline"),
                entry(ids["reminded"], 1, action="REMIND", field="reminder"),
                entry(ids["old_dispatch"], 1, kind="state", action="DISPATCH"),
                entry(ids["plain"], 1, action="NOTE", field="note"),
            ])
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as connection:
            kept = {(row.work_order_id, row.item_id) for row in connection.execute(select(oa_items))}
            readable = {name for name, work_order_id in ids.items() if has_oa_item(connection, work_order_id)}
        assert readable == {"escalated", "department", "warned", "reminded", "old_dispatch"}
        assert {item for _, item in kept} == {"before-0026"}
        indexes = {i["name"] for i in inspect(store.engine).get_indexes("nsp_dispatches")}
        assert "ix_nsp_dispatches_work_order" in indexes

        with store.engine.begin() as connection:  # kept once, however often pushed; NSP's dispatches looked up
            record_oa_item(connection, ids["plain"], f"{ids['plain']}-dsp1", AT)
            record_oa_item(connection, ids["plain"], f"{ids['plain']}-dsp1", AT)
            connection.execute(insert(nsp_dispatches), [{"message_id": "d-1", "work_order_id": ids["to_nsp"],
                                                         "sent_at": AT}])
        with store.engine.connect() as connection:
            assert has_oa_item(connection, ids["plain"])
            assert dispatched_to_nsp(connection, ids["to_nsp"]) and not dispatched_to_nsp(connection, ids["plain"])
            scopes = ((has_oa_item_clause(), readable | {"plain"}), (dispatched_to_nsp_clause(), {"to_nsp"}))
            for scope, names in scopes:
                page = find_work_orders(connection, page_size=50, scope=scope)  # QueryWorkOrders' scope
                assert page.total == len(names) and {r["id"] for r in page.rows} == {ids[n] for n in names}
                by_category = find_work_orders(connection, page_size=50, scope=scope, category_prefix="01.02")
                assert {r["id"] for r in by_category.rows} == {ids[n] for n in names}

        config = _config()
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0025")
        assert current_revision(store.engine) == "0025"
        assert "oa_items" not in inspect(store.engine).get_table_names()
    finally:
        store.close()
