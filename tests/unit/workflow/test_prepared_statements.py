"""``Prepared``: the store's hot statements on SQLite's cursor give what ``Connection.execute`` gives — the same rows
written (times as the same text), the same rows read (aware UTC datetimes), the same errors (SQLAlchemy's classes),
and SQLAlchemy's own path outside a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import DATETIME
from sqlalchemy.exc import IntegrityError, StatementError

from hub.workflow.store import statements as st
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import upgrade
from hub.workflow.store.prepared import Prepared, run_driver_sql
from hub.workflow.store.schema import work_order_history, work_orders
from hub.workflow.store.types import UTCDateTime

NOW = datetime(2026, 12, 4, 8, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'prepared.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _work_order(work_order_id: str, **changes: Any) -> dict[str, Any]:
    return {"id": work_order_id, "channel": "HOTLINE", "msisdn": "13800138000", "category_code": "01.01.01",
            "state": "ACCEPTED", "created_at": NOW, "updated_at": NOW, "reply_due": NOW + timedelta(hours=24),
            "version": 1, **changes}


def _raw(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def test_rows_written_on_the_cursor_are_the_rows_sqlalchemy_writes(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(st.INSERT_WORK_ORDER, _work_order("WO20261204AAAAAAA1"))
        Prepared(st.INSERT_WORK_ORDER).execute(connection, _work_order("WO20261204AAAAAAA2"))
    one, two = _raw(engine, "SELECT * FROM work_orders ORDER BY id")
    assert one[1:] == two[1:]  # every column but the id, times as the same text
    assert "2026-12-04 00:30:15.123456" in one  # stored in UTC


def test_executemany_writes_every_row_and_returning_gives_the_first_row(engine: Engine) -> None:
    history = Prepared(st.INSERT_HISTORY)
    update_state = Prepared(st.UPDATE_WORK_ORDER)
    with engine.begin() as connection:
        Prepared(st.INSERT_WORK_ORDER).execute(connection, _work_order("WO20261204AAAAAAA1"))
        history.executemany(connection, [
            {"work_order_id": "WO20261204AAAAAAA1", "seq": seq, "at": NOW, "kind": "state", "actor": "agent",
             "system": "CS", "message_id": "m", "action": "CREATE", "from_state": None, "to_state": "NEW",
             "field": None, "old_value": None, "new_value": None, "note": None} for seq in (1, 2, 3)])
        # ``version + 1`` is a value of the statement's own: not in the parameters
        assert update_state.execute(connection, {"state": "DISPATCHED", "wid": "WO20261204AAAAAAA1"}) == (2,)
        assert update_state.execute(connection, {"state": "DISPATCHED", "wid": "WO20261204NOSUCH01"}) is None
    assert _raw(engine, "SELECT seq FROM work_order_history ORDER BY seq") == [(1,), (2,), (3,)]
    assert _raw(engine, "SELECT state, version FROM work_orders") == [("DISPATCHED", 2)]


def test_selected_times_come_back_aware_in_utc_and_constants_are_bound(engine: Engine) -> None:
    recent = Prepared(select(work_orders.c.id, work_orders.c.created_at, work_orders.c.reply_due)
                      .where(work_orders.c.msisdn == bindparam("msisdn"), work_orders.c.state == "ACCEPTED")
                      .order_by(work_orders.c.id).limit(bindparam("limit")))
    with engine.begin() as connection:
        for n in (1, 2, 3):
            Prepared(st.INSERT_WORK_ORDER).execute(connection, _work_order(f"WO20261204AAAAAAA{n}"))
        connection.execute(update(work_orders).where(work_orders.c.id == "WO20261204AAAAAAA3").values(state="CLOSED"))
        found = recent.all(connection, {"msisdn": "13800138000", "limit": 5})
        through_sqlalchemy = [tuple(row) for row in connection.execute(recent.statement,
                                                                         {"msisdn": "13800138000", "limit": 5})]
    assert found == through_sqlalchemy
    assert [row[0] for row in found] == ["WO20261204AAAAAAA1", "WO20261204AAAAAAA2"]
    assert found[0][1] == NOW and found[0][1].tzinfo == UTC
    assert recent.execute(engine.connect(), {"msisdn": "13800138000", "limit": 5}) == found[0]  # no transaction


def test_errors_are_sqlalchemys_and_a_savepoint_undoes_only_its_part(engine: Engine) -> None:
    insert = Prepared(st.INSERT_WORK_ORDER)
    with engine.begin() as connection:
        insert.execute(connection, _work_order("WO20261204AAAAAAA1"))
        with pytest.raises(StatementError, match="naive datetime"):
            insert.execute(connection, _work_order("WO20261204AAAAAAA2", created_at=datetime(2026, 12, 4)))
        run_driver_sql(connection, "SAVEPOINT claim")
        with pytest.raises(IntegrityError):
            insert.execute(connection, _work_order("WO20261204AAAAAAA1"))
        Prepared(st.INSERT_HISTORY).executemany(connection, [
            {"work_order_id": "WO20261204AAAAAAA1", "seq": 1, "at": NOW, "kind": "state"}])
        run_driver_sql(connection, "ROLLBACK TO SAVEPOINT claim")
        run_driver_sql(connection, "RELEASE SAVEPOINT claim")
    assert _raw(engine, "SELECT id FROM work_orders") == [("WO20261204AAAAAAA1",)]
    assert _raw(engine, "SELECT count(*) FROM work_order_history") == [(0,)]


def test_outside_a_transaction_sqlalchemy_runs_it_and_begins_one(engine: Engine) -> None:
    with engine.connect() as connection:
        assert not connection.in_transaction()
        Prepared(work_order_history.insert()).executemany(connection, [])  # nothing to run
        Prepared(st.INSERT_WORK_ORDER).execute(connection, _work_order("WO20261204AAAAAAA1"))
        assert connection.in_transaction()  # SQLAlchemy's autobegin
        connection.rollback()
    assert _raw(engine, "SELECT count(*) FROM work_orders") == [(0,)]


def test_inserts_without_returning_run_on_the_cursor(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with engine.begin() as connection:
        Prepared(st.INSERT_WORK_ORDER).execute(connection, _work_order("WO20261204AAAAAAA1"))
        monkeypatch.setattr(type(connection), "execute", lambda *_a, **_k: pytest.fail("SQLAlchemy's path taken"))
        Prepared(st.INSERT_HISTORY).executemany(connection, [
            {"work_order_id": "WO20261204AAAAAAA1", "seq": seq, "at": NOW, "kind": "state"} for seq in (1, 2)])
        Prepared(st.INSERT_DEADLINES).executemany(connection, [
            {"work_order_id": "WO20261204AAAAAAA1", "kind": "reply", "due_at": NOW}])
        Prepared(st.UPDATE_WORK_ORDER).execute(connection, {"state": "DISPATCHED", "wid": "WO20261204AAAAAAA1"})
    assert _raw(engine, "SELECT count(*) FROM work_order_history") == [(2,)]


@pytest.mark.parametrize("value", [NOW, datetime(2026, 12, 4, tzinfo=UTC), datetime(33, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
                                   datetime(2026, 12, 4, 7, 59, 59, 999999, tzinfo=ZoneInfo("Asia/Shanghai"))])
def test_sqlite_times_are_the_text_sqlalchemys_datetime_writes_and_reads(value: datetime) -> None:
    dialect = sqlite.dialect()
    ours = UTCDateTime().dialect_impl(dialect)
    as_text = ours.bind_processor(dialect)
    sqlalchemys = DATETIME().bind_processor(dialect)
    assert as_text is not None and sqlalchemys is not None
    stored = as_text(value)
    assert stored == sqlalchemys(value.astimezone(UTC).replace(tzinfo=None))
    read = ours.result_processor(dialect, None)
    assert read is not None and read(stored) == value and read(stored).tzinfo is UTC
    with pytest.raises(ValueError, match="naive datetime"):
        as_text(value.replace(tzinfo=None))


def test_upserts_on_the_cursor_add_to_the_rows_sqlalchemy_wrote(engine: Engine,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The counters' ``ON CONFLICT DO UPDATE`` and the NSP dispatches' ``ON CONFLICT DO NOTHING`` run on the cursor
    (not through ``Connection.execute``) and give what SQLAlchemy gives: counts added, a kept dispatch kept."""
    from hub.workflow.statistics.counters import KEY_COLUMNS, add_counts
    from hub.workflow.store.nsp_dispatches import dispatched_work_order, record_nsp_dispatch
    key = ("2026-12-04", "01.01.01", "0755", "GOLD", "HOTLINE", "", "NETWORK", "", "created")
    other = (*key[:-1], "dispatched")
    with engine.begin() as connection:
        connection.execute(sqlite.insert(work_orders), _work_order("WO20261204AAAAAAA1"))
        add_counts(connection, {key: 2})  # the first: SQLAlchemy or the cursor, the same rows
    calls: list[object] = []
    monkeypatch.setattr("sqlalchemy.engine.Connection.execute", lambda *a, **k: calls.append(a))
    with engine.begin() as connection:
        add_counts(connection, {key: 3, other: 1})
        record_nsp_dispatch(connection, "m-1", "WO20261204AAAAAAA1", NOW)
        record_nsp_dispatch(connection, "m-1", "WO20261204AAAAAAA2", NOW)  # a redelivery: the first kept
    monkeypatch.undo()
    assert calls == []
    columns = ", ".join(KEY_COLUMNS)
    counted = _raw(engine, f"SELECT {columns}, count FROM work_order_counters ORDER BY measure")  # noqa: S608
    assert counted == [(*key, 5), (*other, 1)]
    with engine.connect() as connection:
        assert dispatched_work_order(connection, "m-1") == "WO20261204AAAAAAA1"
