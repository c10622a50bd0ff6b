"""SQLite audit storage: WAL, ``synchronous=FULL``, one connection per thread, one ``BEGIN IMMEDIATE`` per batch.

The threads of one process that append at once share one transaction (``hub.audit.group.GroupCommit``): the rows
waiting are chained and committed together, and each ``append`` returns once the commit holding its row is
durable. Processes are serialised by SQLite.

``BEGIN IMMEDIATE`` takes the database's write lock before the head is read, so processes that append at once are
serialised by SQLite itself and every row follows the one committed before it. With WAL and
``synchronous=FULL`` a commit is on disk (the WAL fsync'd) when ``append`` returns. Triggers refuse UPDATE and
DELETE on the rows: that stops mistakes, not an attacker with the file (he can drop them); the MAC chain is
what detects him.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hub.audit.chain import Anchor
from hub.audit.entry import AuditRecord, Value
from hub.audit.group import GroupCommit
from hub.audit.storage import AuditSnapshot, AuditStorage, Head, LinkFunction

__all__ = ["ROW_COLUMNS", "SQLiteAuditStorage"]

log = logging.getLogger("onepoint.audit")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    seq            INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    operator       TEXT NOT NULL,
    role           TEXT NOT NULL,
    client_address TEXT NOT NULL,
    msisdn_masked  TEXT NOT NULL,
    period_from    TEXT,
    period_to      TEXT,
    purpose        TEXT NOT NULL,
    rows_returned  INTEGER NOT NULL,
    outcome        TEXT NOT NULL,
    reason         TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    prev_mac       BLOB NOT NULL,
    mac            BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_anchor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL,
    mac        BLOB NOT NULL,
    anchor_mac BLOB NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
# the columns of FIELDS, in its order (tests/unit/audit checks that they agree)
ROW_COLUMNS = ("seq, at, operator, role, client_address, msisdn_masked, period_from, period_to, purpose,"
                " rows_returned, outcome, reason, message_id, prev_mac, mac")
_SELECT = "SELECT " + ROW_COLUMNS + " FROM audit_log"  # noqa: S608 - constant text, no input
_INSERT = "INSERT INTO audit_log (" + ROW_COLUMNS + ") VALUES (" + ", ".join("?" * 15) + ")"  # noqa: S608


def _blob(value: Any) -> bytes:
    """A MAC column as bytes, whatever a tamperer put there (verification then reports the row)."""
    return bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()


def _record(row: tuple[Any, ...]) -> AuditRecord:
    values: tuple[Value, ...] = tuple(row[2:-2])
    return AuditRecord(int(row[0]), str(row[1]), values, _blob(row[-2]), _blob(row[-1]))


class _Snapshot(AuditSnapshot):
    def __init__(self, db: sqlite3.Connection, anchor: Anchor | None) -> None:
        self._db, self._anchor = db, anchor

    def anchor(self) -> Anchor | None:
        return self._anchor

    def records(self, start: int = 1, limit: int | None = None) -> Iterator[AuditRecord]:
        cursor = self._db.execute(f"{_SELECT} WHERE seq >= ? ORDER BY seq LIMIT ?",
                                  (start, -1 if limit is None else limit))
        for row in cursor:
            yield _record(row)


class SQLiteAuditStorage(AuditStorage):
    """The audit log in one SQLite file. ``create=False`` opens an existing log only (for verify and show)."""

    def __init__(self, path: str | Path, *, create: bool = True, busy_timeout_ms: int = 30_000) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise FileNotFoundError(f"no audit log at {self.path}")
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        # The threads of one process commit together rather than queue in SQLite's busy handler, which sleeps in
        # steps of up to 100 ms and made appends from 8 threads wait ~17 ms each (bench/README.md, flows).
        self._group: GroupCommit[tuple[tuple[Value, ...], LinkFunction], AuditRecord] = GroupCommit(self._append_many)
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db().executescript(_SCHEMA)
            return
        try:
            found = self._db().execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'")
            is_log = found.fetchone() is not None
        except sqlite3.DatabaseError as exc:
            raise FileNotFoundError(f"{self.path} is not an audit log: {exc}") from None
        if not is_log:
            raise FileNotFoundError(f"{self.path} holds no audit_log table (not an audit log, or its rows dropped)")

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
            with self._all_lock:
                self._all.append(db)
        return db

    def append(self, values: tuple[Value, ...], link: LinkFunction) -> AuditRecord:
        return self._group.submit((values, link))

    def _append_many(self, batch: Sequence[tuple[tuple[Value, ...], LinkFunction]]) -> list[AuditRecord]:
        """One transaction: each row linked after the one before it (the first after the log's head), the anchor
        moved to the last, committed durably; a refusal of any link (``AuditIntegrityError``) commits none."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
            head = Head.of_empty_log() if row is None else Head(int(row[0]), _blob(row[1]))
            anchor = self._anchor(db)
            records = []
            for values, link in batch:
                made = link(head, anchor)
                db.execute(_INSERT, (made.seq, made.at, *values, made.prev_mac, made.mac))
                records.append(AuditRecord(made.seq, made.at, values, made.prev_mac, made.mac))
                head, anchor = Head(made.seq, made.mac), made.anchor
            assert anchor is not None  # the batch is never empty
            db.execute("INSERT INTO audit_anchor (id, seq, mac, anchor_mac) VALUES (1, ?, ?, ?)"
                       " ON CONFLICT(id) DO UPDATE SET seq=excluded.seq, mac=excluded.mac,"
                       " anchor_mac=excluded.anchor_mac",
                       (anchor.seq, anchor.mac, anchor.anchor_mac))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return records

    @contextmanager
    def snapshot(self) -> Iterator[AuditSnapshot]:
        # a connection of its own, in one read transaction: WAL keeps its view while others commit
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            db.execute("BEGIN")
            yield _Snapshot(db, self._anchor(db))  # the first read fixes the snapshot
            db.execute("COMMIT")
        finally:
            db.close()

    def last(self, count: int) -> list[AuditRecord]:
        rows = self._db().execute(f"{_SELECT} ORDER BY seq DESC LIMIT ?", (count,)).fetchall()
        return [_record(row) for row in reversed(rows)]

    def count(self) -> int:
        return int(self._db().execute("SELECT count(*) FROM audit_log").fetchone()[0])

    @staticmethod
    def _anchor(db: sqlite3.Connection) -> Anchor | None:
        try:
            row = db.execute("SELECT seq, mac, anchor_mac FROM audit_anchor WHERE id = 1").fetchone()
        except sqlite3.OperationalError:  # the anchor's table dropped: verify reports the anchor missing
            return None
        return None if row is None else Anchor(int(row[0]), _blob(row[1]), _blob(row[2]))

    def close(self) -> None:
        with self._all_lock:
            for db in self._all:
                db.close()
            self._all.clear()
        self._local = threading.local()
