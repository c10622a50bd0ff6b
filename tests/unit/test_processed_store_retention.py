"""An adapter's SQLite processed-message store keeps its records a while (``hub.store.retention``), not for ever:
a record is deleted ``keep_seconds`` after it was written, a bounded batch at a time, by a worker that just
recorded a message; a claim whose lease runs is never deleted."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from hub.store import open_store
from hub.store.retention import DEFAULT_KEEP_SECONDS, RetainingSQLiteStore, SQLiteRetention

pytestmark = pytest.mark.unit

DAY = 86_400.0


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def rows(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute("SELECT message_id, state FROM processed_messages"))


def age(path: Path, days: float) -> None:
    """Every record written so far, as if written ``days`` ago (a claim's lease with it)."""
    with sqlite3.connect(path) as db:
        db.execute("UPDATE processed_messages SET updated_at = updated_at - ?,"
                   " lease_until = lease_until - ?", (days * DAY, days * DAY))


def test_records_are_purged_after_their_days_in_bounded_batches(tmp_path: Path) -> None:
    clock, path = Clock(), tmp_path / "boss.sqlite3"
    retention = SQLiteRetention(7 * DAY, every=600, batch=2, batches=2, clock=clock)
    store = RetainingSQLiteStore(path, retention=retention)
    for n in range(5):
        assert store.run_once(f"boss:m-{n}", lambda: "done") == (True, "done")
    age(path, 8)
    claim = store.claim("boss:m-running")
    claim.__enter__()  # a claim in flight, written now: its lease runs
    assert len(rows(path)) == 6
    assert retention.tick(store._db()) == 0  # the first message's purge was the last one: not due yet
    clock.now += 600
    assert retention.tick(store._db()) == 4  # two statements of two: the rest soon after, not now
    assert retention.tick(store._db()) == 0  # not due yet
    clock.now += 1
    with store.claim("boss:m-new") as fresh:
        fresh.complete("done")  # the worker that records a message purges when due
    assert rows(path) == [("boss:m-new", "done"), ("boss:m-running", "claimed")]
    assert store.seen("boss:m-new") and not store.seen("boss:m-0")
    age(path, 8)  # the claim's lease ended long ago too (its worker gone): it goes with the records
    clock.now += 600
    assert retention.tick(store._db()) == 2 and rows(path) == []
    store.close()


def test_a_record_younger_than_the_retention_stays(tmp_path: Path) -> None:
    clock = Clock()
    store = RetainingSQLiteStore(tmp_path / "crm.sqlite3", retention=SQLiteRetention(DAY, clock=clock))
    store.record("crm:m-1", "done", reply=b"<answer/>")
    age(tmp_path / "crm.sqlite3", 1 - 60 / DAY)  # (``record`` purges nothing: the first purge is due now)
    assert store.retention.tick(store._db()) == 0
    assert store.reply("crm:m-1") == b"<answer/>"
    store.close()


def test_the_stores_workers_open_keep_records_seven_days(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'nsp.sqlite3'}")
    assert isinstance(store, RetainingSQLiteStore)
    assert store.retention.keep_seconds == DEFAULT_KEEP_SECONDS == 7 * DAY
    with sqlite3.connect(tmp_path / "nsp.sqlite3") as db:
        indexes = {row[1] for row in db.execute("PRAGMA index_list(processed_messages)")}
    assert "ix_processed_messages_updated" in indexes
    store.close()


class Locked(SQLiteRetention):
    def tick(self, db: sqlite3.Connection) -> int:
        raise sqlite3.OperationalError("database is locked")


def test_a_purge_that_fails_is_not_the_messages_failure(tmp_path: Path) -> None:
    store = RetainingSQLiteStore(tmp_path / "dsmp.sqlite3", retention=Locked())
    assert store.run_once("dsmp:m-1", lambda: "done") == (True, "done")
    assert [r.ran for r in store.run_batch([("dsmp:m-2", lambda: "done")])] == [True]
    assert store.seen("dsmp:m-1") and store.seen("dsmp:m-2")
    store.close()
