"""Work-order store contract, the statistics counters' department and group columns (migration 0023): on SQLite and
PostgreSQL alike, a database at 0020 is brought to head with its counter rows (their department and group ``*``),
the counters' key (the upsert's conflict target) holds the new columns, the maintained counters add to the rows of
the new grains, and the migration goes back down to 0020 with the old rows."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select

from hub.workflow.statistics import add_counts
from hub.workflow.statistics.counters import KEY_COLUMNS
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import _config, current_revision, head_revision, upgrade
from hub.workflow.store.schema import work_order_counters

OLD = ("2026-11", "*", "0755", "*", "*", "*", "created")
TOTAL = ("2026-11", "*", "0755", "*", "*", "*", "*", "*", "replied")
DEPARTMENT = ("2026-11", "*", "0755", "*", "*", "*", "NOC-PROV", "*", "replied")


def rows(store: WorkOrderStore) -> dict[tuple[str, ...], int]:
    with store.engine.connect() as connection:
        statement = select(*(work_order_counters.c[name] for name in KEY_COLUMNS), work_order_counters.c.count)
        return {tuple(row[:-1]): int(row[-1]) for row in connection.execute(statement)}


def test_a_database_at_0020_gets_the_counters_department_and_group_with_its_rows(store_url: str) -> None:
    store = WorkOrderStore(create_store_engine(store_url), migrate=False)
    try:
        upgrade(store.engine, "0020")
        with store.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO work_order_counters (day, category_code, area_code, tier, channel, sp_code, measure, "
                "count) VALUES ('2026-11', '*', '0755', '*', '*', '*', 'created', 7)")
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()
        key = inspect(store.engine).get_pk_constraint("work_order_counters")
        assert sorted(key["constrained_columns"]) == sorted(KEY_COLUMNS)
        assert rows(store) == {(*OLD[:6], "*", "*", "created"): 7}  # kept, in the grains it was counted in

        with store.engine.begin() as connection:  # the upsert's conflict target is the new key
            add_counts(connection, {TOTAL: 1, DEPARTMENT: 1})
        with store.engine.begin() as connection:
            add_counts(connection, {TOTAL: 1, DEPARTMENT: 2})
        assert rows(store)[TOTAL] == 2 and rows(store)[DEPARTMENT] == 3

        config = _config()
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0020")
        assert current_revision(store.engine) == "0020"
        with store.engine.connect() as connection:
            found = connection.exec_driver_sql(
                "SELECT day, category_code, area_code, tier, channel, sp_code, measure, count "
                "FROM work_order_counters ORDER BY measure").all()
        assert [tuple(row) for row in found] == [(*OLD, 7), (*TOTAL[:6], "replied", 2)]  # the department's left out
    finally:
        store.close()
