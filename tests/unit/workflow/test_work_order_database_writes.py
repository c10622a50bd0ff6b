"""``checks.database`` reflects writes, not only ``SELECT 1``: a work-order store whose last write failed (a full
disk, a read-only file after a restore) fails the check with the error until one of its writes succeeds, an idle
one is checked with a write of its own (rolled back), and a file the process may not write is refused at start.
(No root needed: a full disk is SQLite's ``max_page_count``, a read-only file the probe's connection opened
``mode=ro``, the permission check ``os.access`` patched.)"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from hub.workflow.store import WorkOrderStore
from hub.workflow.store import database_file as database_file_module
from hub.workflow.store.database_file import DatabaseNotWritable
from hub.workflow.store.readiness import WritesFailing
from hub.workflow.store.write_health import cannot_write

pytestmark = pytest.mark.unit


def _full_disk(store: WorkOrderStore) -> Any:
    """Every new connection of the store limited to the pages the file has: a write needing one more fails."""
    def limit(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")
    event.listen(store.engine, "connect", limit)
    store.engine.dispose()
    return limit


def _write(store: WorkOrderStore) -> None:
    with store.engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS filler (x BLOB)"))
        connection.execute(text("INSERT INTO filler VALUES (zeroblob(200000))"))


def _read_only_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(path: Path) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    monkeypatch.setattr(database_file_module, "connect_for_writing", read_only)


def test_a_failed_write_fails_the_check_until_a_write_succeeds(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store = WorkOrderStore.open(f"sqlite:///{tmp_path / 'wo.db'}")
    try:
        check = store.readiness_check()
        check()
        limit = _full_disk(store)
        with pytest.raises(OperationalError, match="database or disk is full"):
            _write(store)
        assert store.writes.failing() == "OperationalError: database or disk is full"
        store.get_work_order("WO-NONE")  # reads succeed: no write
        with store.engine.begin() as connection:  # a write transaction that only read (the publisher's) commits
            connection.execute(text("SELECT count(*) FROM work_orders"))
        assert store.writes.failing() is not None
        _read_only_probe(monkeypatch)  # the check's own write refused too: the disk stays full
        with pytest.raises(WritesFailing, match="the last write of the work-order database failed"):
            check()
        event.remove(store.engine, "connect", limit)
        store.engine.dispose()
        _write(store)  # room again: the next write clears it
        assert store.writes.failing() is None
        monkeypatch.undo()
        check()
    finally:
        store.close()


def test_the_checks_own_write_never_clears_a_failure_only_a_write_of_the_store_does(tmp_path: Path) -> None:
    store = WorkOrderStore.open(f"sqlite:///{tmp_path / 'wo.db'}")
    try:
        check = store.readiness_check()
        store.writes.failed("OperationalError: database or disk is full")
        with pytest.raises(WritesFailing):  # a one-page write may find room where the store's do not
            check()
        _write(store)  # the hub's own writes (at least the rule files' agreement, every 10 s)
        check()
    finally:
        store.close()


def test_a_database_turned_read_only_fails_the_check_though_select_1_answers(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = WorkOrderStore.open(f"sqlite:///{tmp_path / 'wo.db'}")
    try:
        _read_only_probe(monkeypatch)
        with pytest.raises(WritesFailing, match="attempt to write a readonly database"):
            store.readiness_check()()
    finally:
        store.close()


def test_a_file_the_process_may_not_write_is_refused_at_start_naming_it(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "onepoint-workorders.db"
    WorkOrderStore.open(f"sqlite:///{path}").close()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == path else real_access(p, mode))
    with pytest.raises(DatabaseNotWritable, match=rf"{path} cannot be written by this process"):
        WorkOrderStore.open(f"sqlite:///{path}")
    monkeypatch.undo()
    _read_only_probe(monkeypatch)  # a read-only mount, chattr +i: the modes allow it, the write does not
    with pytest.raises(DatabaseNotWritable, match="attempt to write a readonly database"):
        WorkOrderStore.open(f"sqlite:///{path}")
    WorkOrderStore.open(f"sqlite:///{path}", reading=True).close()  # reading commands need no write


def test_which_driver_errors_say_writes_cannot_be_done() -> None:
    def sqlite_error(name: str) -> sqlite3.OperationalError:
        error = sqlite3.OperationalError(name)
        error.sqlite_errorname = name
        return error

    class PostgresError(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    assert all(cannot_write(sqlite_error(n)) for n in ("SQLITE_FULL", "SQLITE_READONLY_DBMOVED", "SQLITE_IOERR_WRITE"))
    assert not any(cannot_write(sqlite_error(n)) for n in ("SQLITE_BUSY", "SQLITE_CONSTRAINT_UNIQUE"))
    assert cannot_write(PostgresError("53100")) and cannot_write(PostgresError("25006"))
    assert not cannot_write(PostgresError("55P03")) and not cannot_write(PostgresError("40001"))
