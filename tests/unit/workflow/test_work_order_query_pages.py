"""QueryWorkOrders by area, by tier or by owner reads its page off an index in time order (migrations 0016 and
0029): before, SQLite found every match through a one-column index and sorted them all (a temporary B-tree) to
return 20 — 104 ms by area and 71 ms by tier on 1,000,000 work orders, growing with the store; by owner it read the
whole table (248 ms on 1,100,000)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from hub.workflow.store import WorkOrderPage, WorkOrderStore
from hub.workflow.store.queries import find_work_orders
from tests.support.workorder_store import make_row

pytestmark = pytest.mark.unit


def page_plans(tmp_path: Path, **filters: Any) -> tuple[WorkOrderPage, list[str]]:
    """The page ``find_work_orders(**filters)`` answers on a migrated SQLite store of 60 work orders (three
    categories, two areas, two tiers, two owners), and the query plans of the statements it ran."""
    store = WorkOrderStore.open(f"sqlite:///{tmp_path / 'workorders.db'}")
    with store.transaction() as tx:
        for n in range(60):
            tx.insert_work_order(make_row(n, category_code=("01.01.01", "01.02.03", "02.01.01")[n % 3],
                                          area_code=("0755", "020")[n % 2], tier=("VIP_GOLD", "PREPAID")[n % 2],
                                          owner=("NOC-PROV", "CUSTOMER_SERVICE")[n % 2]))
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    with store.engine.connect() as connection:
        event.listen(store.engine, "before_cursor_execute", seen)
        page = find_work_orders(connection, **filters)
        event.remove(store.engine, "before_cursor_execute", seen)
        plans = [" / ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}",
                                                                                 params).all())
                 for sql, params in statements]
    store.close()
    return page, plans


@pytest.mark.parametrize(("filters", "index"), [({"area": "0755"}, "ix_work_orders_area_created"),
                                                 ({"tier": "VIP_GOLD"}, "ix_work_orders_tier_created"),
                                                 ({"area": "0755", "page": 2}, "ix_work_orders_area_created"),
                                                 # 0029: Owner (--owner) read the whole table (SCAN work_orders)
                                                 ({"owner": "NOC-PROV"}, "ix_work_orders_owner_created")])
def test_a_page_by_area_or_tier_is_read_off_its_index_in_time_order(tmp_path: Path, filters: dict[str, Any],
                                                                   index: str) -> None:
    _, (count, page) = page_plans(tmp_path, **filters)
    assert index in page and "TEMP B-TREE" not in page, page  # no sort of every match
    assert index in count, count


def test_a_page_by_category_prefix_walks_each_codes_newest_instead_of_sorting_every_match(tmp_path: Path) -> None:
    """Migration 0017 and store/category_pages: the page's statement seeks each code under the prefix on
    (category_code, created_at, id) and reads only its newest; before, every match of the prefix's range was
    fetched and sorted (284,306 rows for one service on 1,000,000 work orders: 359 ms for 20)."""
    page, plans = page_plans(tmp_path, category_prefix="01", page_size=4)
    assert [row["category_code"] for row in page.rows] == ["01.02.03", "01.01.01", "01.02.03", "01.01.01"]
    assert page.total == 40
    reading = [plan for plan in plans if "SCAN page" in plan]
    assert len(reading) == 1, plans
    searches = [step for step in reading[0].split(" / ") if step.startswith("SEARCH work_orders")]
    assert searches and all("ix_work_orders_category_created (category_code=?)" in step or "(id=?)" in step
                            for step in searches), reading
