"""Work-order store contract, the group customer kept on a work order (migration 0020): on SQLite and PostgreSQL
alike, a database at 0019 is brought to head with its rows (their group empty) and the index of QueryWorkOrders by
group, and the columns are written, read back and filtered on (alone, and with a category prefix, which then reads
the group's index instead of merging each code's walk)."""

from __future__ import annotations

from sqlalchemy import inspect

from hub.workflow.store import WorkOrderStore
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import current_revision, head_revision, upgrade
from hub.workflow.store.schema import work_orders
from tests.support.workorder_store import T0, make_row

HUAXIN = "4403001288"


def test_a_database_at_0019_gets_the_group_columns_and_their_index_with_its_rows(store_url: str) -> None:
    store = WorkOrderStore(create_store_engine(store_url), migrate=False)
    try:
        upgrade(store.engine, "0019")
        with store.engine.begin() as connection:
            connection.execute(work_orders.insert().values(
                id="WO20261203OLD00001", channel="hotline", msisdn="13800000000", category_code="01.02.03",
                state="NEW", tier="VIP_GOLD", created_at=T0, updated_at=T0))
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
        inspector = inspect(store.engine)
        columns = {column["name"]: column for column in inspector.get_columns("work_orders")}
        assert all(columns[name]["nullable"] for name in ("group_id", "group_name", "group_role"))
        indexes = {index["name"]: index["column_names"] for index in inspector.get_indexes("work_orders")}
        assert indexes["ix_work_orders_group_created"] == ["group_id", "created_at", "id"]
        found = store.get_work_order("WO20261203OLD00001")
        assert found is not None
        assert (found.row["group_id"], found.row["group_name"], found.row["group_role"]) == (None, None, None)
    finally:
        store.close()


def test_the_group_is_kept_and_filtered_on(workorder_store: WorkOrderStore) -> None:
    rows = [make_row(n, category_code=("01.02.03", "01.02.04", "02.01.01")[n % 3], tier=("VIP_GOLD", "PREPAID")[n % 2],
                     group_id=HUAXIN if n % 4 == 0 else ("4403009999" if n % 4 == 1 else None),
                     group_name="深圳市华信精密制造有限公司" if n % 4 == 0 else None,
                     group_role=("MEMBER", "DECISION_MAKER")[n % 2] if n % 4 < 2 else None) for n in range(24)]
    with workorder_store.transaction() as tx:
        ids = {tx.insert_work_order(row): row for row in rows}
    newest_first = [i for _, i in sorted(((row["created_at"], i) for i, row in ids.items()), reverse=True)]

    def found(**filters: object) -> list[str]:
        page = workorder_store.query(page_size=500, **filters)
        assert page.total == len(page.rows)
        return [row["id"] for row in page.rows]

    assert found(group_id=HUAXIN) == [i for i in newest_first if ids[i]["group_id"] == HUAXIN]
    assert found(group_id=HUAXIN, category_prefix="01.02") == [
        i for i in newest_first if ids[i]["group_id"] == HUAXIN and str(ids[i]["category_code"]).startswith("01.02")]
    assert found(group_id=HUAXIN, tiers=["VIP_GOLD"]) == [
        i for i in newest_first if ids[i]["group_id"] == HUAXIN and ids[i]["tier"] == "VIP_GOLD"]
    assert found(group_id="4403000000") == []
    page = workorder_store.query(group_id=HUAXIN, page_size=2)
    assert page.total == 6 and len(page.rows) == 2
    kept = workorder_store.get_work_order(found(group_id=HUAXIN)[0])
    assert kept is not None
    assert (kept.row["group_id"], kept.row["group_name"], kept.row["group_role"]) == (
        HUAXIN, "深圳市华信精密制造有限公司", "MEMBER")
