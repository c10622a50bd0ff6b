"""SQLite audit storage: WAL, ``synchronous=FULL``, one connection per thread, one ``BEGIN IMMEDIATE`` per batch.

The threads of one process that append at once share one transaction (``hub.audit.group.GroupCommit``): the rows
waiting are chained and committed together, and each ``append`` returns once the commit holding its row is
durable. Processes are serialised by SQLite.

``BEGIN IMMEDIATE`` takes the database's write lock before the head is read, so processes that append at once are
serialised by SQLite itself and every row follows the one committed before it. With WAL and
``synchronous=FULL`` a commit is on disk (the WAL fsync'd) when ``append`` returns. Triggers refuse UPDATE and
DELETE on the rows: that stops mistakes, not an attacker with the file (he can drop them); the MAC chain is
what detects him. The tables, their upgrade from older logs and the reading of tampered rows: ``sqlite_schema``.

Opened only to read (``create=False``: verify, show, head) the file is opened read-only (``mode=ro``), without
the WAL and ``synchronous`` pragmas, so checking a log never changes it (an evidence copy not in WAL mode keeps its
bytes); in a folder the hub cannot write (read-only storage) it is opened ``immutable``, as SQLite otherwise
needs to create its ``-shm`` file beside a WAL-mode copy. A log whose rows' table was dropped while its anchor or
key id is left is still opened: verify reports every row removed (``TRUNCATED``), not a file it cannot check; a
file with no table at all is ``EmptyDatabaseFile`` (``verify --head`` makes that a finding).

Opened for writing, the storage holds ``<log>.hub-lock`` shared until closed (``writers_lock``: ``onepoint audit
archive`` is refused meanwhile), and a new log is never created where a ``-wal`` or ``-shm`` file lies without its
database file (``OrphanedJournal``): those may be the newest rows of a log renamed away, which SQLite would
otherwise take for the new file's.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from hub.audit.chain import Anchor
from hub.audit.entry import AuditRecord, Value
from hub.audit.group import GroupCommit
from hub.audit.sqlite_files import EmptyDatabaseFile, refuse_orphaned_journal
from hub.audit.sqlite_schema import (
    ROW_COLUMNS,
    SCHEMA,
    blob_of,
    has_table,
    read_anchor,
    read_key_id,
    record_of,
    row_select,
    text_of,
    upgrade,
)
from hub.audit.storage import AuditSnapshot, AuditStorage, Head, LinkFunction
from hub.audit.writers_lock import WritersLock
from hub.database.file_locks import SharedFileLock

__all__ = ["ROW_COLUMNS", "SQLiteAuditStorage"]

log = logging.getLogger("onepoint.audit")

_INSERT = "INSERT INTO audit_log (" + ROW_COLUMNS + ") VALUES (" + ", ".join("?" * 17) + ")"  # noqa: S608


class _Snapshot(AuditSnapshot):
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._anchor = read_anchor(db)  # the first read fixes the snapshot
        self._key_id = read_key_id(db)
        self._rows_table = has_table(db, "audit_log")
        self._select = row_select(db) if self._rows_table else ""

    def anchor(self) -> Anchor | None:
        return self._anchor

    def key_id(self) -> str | None:
        return self._key_id

    def rows_table_gone(self) -> bool:
        return not self._rows_table

    def records(self, start: int = 1, limit: int | None = None) -> Iterator[AuditRecord]:
        if not self._rows_table:
            return
        cursor = self._db.execute(f"{self._select} WHERE seq >= ? ORDER BY seq LIMIT ?",
                                  (start, -1 if limit is None else limit))
        for row in cursor:
            yield record_of(row)


class SQLiteAuditStorage(AuditStorage):
    """The audit log in one SQLite file. ``create=False`` opens an existing log only (for verify and show)."""

    def __init__(self, path: str | Path, *, create: bool = True, busy_timeout_ms: int = 30_000) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise FileNotFoundError(f"no audit log at {self.path}")
        self._create = create
        self._immutable = False  # read-only storage: opened immutable (see the module's docstring)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        # The threads of one process commit together rather than queue in SQLite's busy handler, which sleeps in
        # steps of up to 100 ms and made appends from 8 threads wait ~17 ms each (bench/README.md, flows).
        self._group: GroupCommit[tuple[tuple[Value, ...], LinkFunction], AuditRecord] = GroupCommit(self._append_many)
        self._writers_lock: SharedFileLock | None = None  # held while the log is open for writing
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writers_lock = WritersLock.hold(self.path)
            try:
                refuse_orphaned_journal(self.path)
                self._db().executescript(SCHEMA)
                upgrade(self._db())
            except BaseException:
                self.close()
                raise
            return
        try:
            try:
                tables = self._tables()
            except sqlite3.OperationalError:
                if os.access(self.path.parent, os.W_OK):
                    raise
                wal = self.path.with_name(self.path.name + "-wal")
                if wal.is_file() and wal.stat().st_size:  # immutable would read the file without its newest rows
                    self.close()
                    raise FileNotFoundError(f"{self.path} cannot be read where it is: its {wal.name} holds rows"
                                            " not yet in the file and SQLite cannot open it on read-only storage;"
                                            " copy the log with its -wal file to a writable folder and check the"
                                            " copy") from None
                self.close()  # read-only storage (a WAL-mode copy needs its -shm file made): read it immutable
                self._immutable = True
                tables = self._tables()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise FileNotFoundError(f"{self.path} is not an audit log: {exc}") from None
        if not tables:
            self.close()
            raise EmptyDatabaseFile(self.path)
        if not tables & {"audit_log", "audit_anchor", "audit_key"}:
            self.close()
            raise FileNotFoundError(f"{self.path} holds no audit_log table (not an audit log)")

    def _tables(self) -> set[str]:
        return {str(row[0]) for row in self._db().execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def _connect(self) -> sqlite3.Connection:
        """A connection to the file: read-only when the log is only read (immutable on read-only storage)."""
        if self._create:
            return sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        flags = "immutable=1" if self._immutable else "mode=ro"
        uri = f"file:{quote(str(self.path.resolve()))}?{flags}"
        return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            db.text_factory = text_of
            db.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            if self._create:  # a log only read is never switched to WAL (its bytes would change)
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
            newest = db.execute("SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
            head = Head.of_empty_log() if newest is None else Head(int(newest[0]), blob_of(newest[1]))
            anchor, key_id = read_anchor(db), read_key_id(db)
            records = []
            for values, link in batch:
                made = link(head, anchor, key_id)
                db.execute(_INSERT, (made.seq, made.at, *values, made.prev_mac, made.mac))
                records.append(AuditRecord(made.seq, made.at, values, made.prev_mac, made.mac))
                head, anchor = Head(made.seq, made.mac), made.anchor
                if key_id is None:  # a new log, or one from before key ids whose anchor held under this key
                    key_id = made.key_id
                    db.execute("INSERT INTO audit_key (id, key_id) VALUES (1, ?)", (key_id,))
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
        db = self._connect()
        db.text_factory = text_of
        try:
            db.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            db.execute("BEGIN")
            yield _Snapshot(db)
            db.execute("COMMIT")
        finally:
            db.close()

    def last(self, count: int) -> list[AuditRecord]:
        db = self._db()
        if not has_table(db, "audit_log"):
            return []
        rows = db.execute(f"{row_select(db)} ORDER BY seq DESC LIMIT ?", (count,)).fetchall()
        return [record_of(row) for row in reversed(rows)]

    def count(self) -> int:
        db = self._db()
        return int(db.execute("SELECT count(*) FROM audit_log").fetchone()[0]) if has_table(db, "audit_log") else 0

    def key_id(self) -> str | None:
        return read_key_id(self._db())

    def adopt_key_id(self, key_id: str) -> str | None:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            recorded = read_key_id(db)
            if recorded is None and read_anchor(db) is None \
                    and db.execute("SELECT 1 FROM audit_log LIMIT 1").fetchone() is None:
                db.execute("INSERT INTO audit_key (id, key_id) VALUES (1, ?)", (key_id,))
                recorded = key_id
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return recorded

    def close(self) -> None:
        with self._all_lock:
            for db in self._all:
                db.close()
            self._all.clear()
        self._local = threading.local()
        if self._writers_lock is not None:
            self._writers_lock.release()
            self._writers_lock = None
