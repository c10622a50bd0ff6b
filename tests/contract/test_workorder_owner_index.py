"""Work-order store contract, the index of QueryWorkOrders by owner (migration 0029): on SQLite and PostgreSQL alike,
a database at 0028 is brought to head with its rows and ``ix_work_orders_owner_created`` (owner, created_at, id),
as the area, tier and group indexes; a downgrade drops it again. Before, ``Owner`` (``workorders list --owner``) read
every work order of the store: 248 ms a page on 1.1 million."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from hub.workflow.store import WorkOrderStore
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import _config, current_revision, head_revision, upgrade
from hub.workflow.store.queries import find_work_orders
from hub.workflow.store.schema import work_orders
from tests.support.workorder_store import T0

INDEX = "ix_work_orders_owner_created"


def _indexes(store: WorkOrderStore) -> dict[str, list[str | None]]:
    return {index["name"]: index["column_names"] for index in inspect(store.engine).get_indexes("work_orders")}


def test_a_database_at_0028_gets_the_owner_index_with_its_rows(store_url: str) -> None:
    store = WorkOrderStore(create_store_engine(store_url), migrate=False)
    try:
        upgrade(store.engine, "0028")
        assert INDEX not in _indexes(store)
        with store.engine.begin() as connection:
            connection.execute(work_orders.insert().values(
                id="WO20261203OLD00001", channel="hotline", msisdn="13800000000", category_code="01.02.03",
                state="DISPATCHED", owner="NOC-PROV", created_at=T0, updated_at=T0))
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
        assert _indexes(store)[INDEX] == ["owner", "created_at", "id"]
        with store.engine.connect() as connection:
            page = find_work_orders(connection, owner="NOC-PROV")
        assert [row["id"] for row in page.rows] == ["WO20261203OLD00001"]
        config = _config()
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0028")
        assert INDEX not in _indexes(store) and current_revision(store.engine) == "0028"
    finally:
        store.close()
