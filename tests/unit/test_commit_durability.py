"""A commit the hub answered COMPLETED (and acked) survives a power loss: the work-order database and the adapters'
processed-message files commit with ``synchronous=FULL`` (the WAL fsync'd at every commit), as the audit log does;
under ``NORMAL`` the last commits before a crash could be rolled back and a message carried out twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from hub.store.sqlite import SQLiteProcessedStore
from hub.workflow.store.dialect import create_store_engine

pytestmark = pytest.mark.unit

FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


def test_the_work_order_database_commits_with_synchronous_full(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'workorders.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar() == FULL
    finally:
        engine.dispose()


def test_a_processed_message_file_commits_with_synchronous_full(tmp_path: Path) -> None:
    store = SQLiteProcessedStore(str(tmp_path / "onepoint-dsmp.sqlite3"))
    try:
        assert store._db().execute("PRAGMA synchronous").fetchone()[0] == FULL
    finally:
        store.close()
