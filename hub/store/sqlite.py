"""SQLite processed-message store: WAL mode, one connection per thread, short write transactions.

``synchronous=FULL``: a commit is on disk when it returns (one fsync of the WAL). Under ``NORMAL`` a power loss
could roll back a record whose message was acked, and the message would be carried out again when redelivered.

A claim writes a lease row (``state='claimed'``, ``lease_until``) and commits; ``complete`` turns it into
``state='done'`` with the outcome. No transaction is held open during the effect, so a slow effect never
blocks other workers. The common case, a message id never seen, is one autocommit ``INSERT … ON CONFLICT DO
NOTHING`` (one statement is one transaction); only an id already present takes the ``BEGIN IMMEDIATE`` path
that reads its state (done, leased by another worker, or a lease that expired).

A request's answer is kept in the ``reply`` column, written by the same statement as the outcome. A database
created before a column existed gets it when opened (``ALTER TABLE … ADD COLUMN``, no rewrite).

A claim names its process in ``owner`` (``hub.store.owner``): the workers sharing a store file run on one
machine, so one that finds a claim leased by a process that is gone (a SIGKILLed worker) takes it over at once
instead of deferring the message until the lease ends. The lease itself is short and renewed while the effect
runs (``_renew``, called by the store's ``LeaseKeeper``), the fallback where the owner cannot be checked.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hub.store import owner as owners
from hub.store.base import DEFAULT_LEASE_SECONDS, BatchOutcome, ClaimBusyError, ProcessedStore, Recorded

__all__ = ["SQLiteProcessedStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS processed_messages (
    message_id  TEXT PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('claimed', 'done')),
    outcome     TEXT,
    lease_until REAL,
    updated_at  REAL NOT NULL,
    reply       BLOB,
    owner       TEXT
)
"""


class SQLiteProcessedStore(ProcessedStore):
    renews_leases = True

    def __init__(self, path: str | Path, lease_seconds: float = DEFAULT_LEASE_SECONDS,
                 busy_timeout_ms: int = 10_000) -> None:
        super().__init__(lease_seconds)
        self._owner = owners.owner()
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        with self._tx() as db:
            db.execute(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(processed_messages)")}
            if "reply" not in columns:  # a store written before requests were answered
                db.execute("ALTER TABLE processed_messages ADD COLUMN reply BLOB")
            if "owner" not in columns:  # a store written before claims named their process
                db.execute("ALTER TABLE processed_messages ADD COLUMN owner TEXT")

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            # The busy timeout first: switching to WAL takes the file's lock, and a second process opening the
            # same store at that moment must wait for it instead of failing with "database is locked".
            db.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a record lost to a power loss: a message carried out twice
            self._local.db = db
            with self._all_lock:
                self._all.append(db)
        return db

    def _tx(self) -> _Transaction:
        return _Transaction(self._db())

    def outcome(self, message_id: str) -> str | None:
        row = (
            self._db()
            .execute("SELECT outcome FROM processed_messages WHERE message_id=? AND state='done'", (message_id,))
            .fetchone()
        )
        return None if row is None else str(row[0])

    def reply(self, message_id: str) -> bytes | None:
        row = (
            self._db()
            .execute("SELECT reply FROM processed_messages WHERE message_id=? AND state='done'", (message_id,))
            .fetchone()
        )
        return None if row is None or row[0] is None else bytes(row[0])

    def recorded(self, message_id: str) -> Recorded | None:
        row = (
            self._db()
            .execute("SELECT outcome, reply FROM processed_messages WHERE message_id=? AND state='done'",
                     (message_id,))
            .fetchone()
        )
        return None if row is None else Recorded(str(row[0]), None if row[1] is None else bytes(row[1]))

    def record(self, message_id: str, outcome: str = "done", *, reply: bytes | None = None) -> bool:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO processed_messages (message_id, state, outcome, updated_at, reply)"
                " VALUES (?, 'done', ?, ?, ?)"
                " ON CONFLICT(message_id) DO UPDATE SET state='done', outcome=excluded.outcome,"
                " lease_until=NULL, updated_at=excluded.updated_at, reply=excluded.reply WHERE state='claimed'",
                (message_id, outcome, time.time(), reply),
            )
            return cur.rowcount == 1

    def _acquire(self, message_id: str) -> Recorded | None:
        now = time.time()
        fresh = self._db().execute(
            "INSERT INTO processed_messages (message_id, state, lease_until, updated_at, owner)"
            " VALUES (?, 'claimed', ?, ?, ?) ON CONFLICT(message_id) DO NOTHING",
            (message_id, now + self.lease_seconds, now, self._owner),
        )
        if fresh.rowcount == 1:
            return None
        with self._tx() as db:
            row = db.execute(
                "SELECT state, outcome, lease_until, reply, owner FROM processed_messages WHERE message_id=?",
                (message_id,),
            ).fetchone()
            if row is not None and row[0] == "done":
                return Recorded(str(row[1]), None if row[3] is None else bytes(row[3]))
            if row is not None and self._held(row[2], row[4], now):
                raise ClaimBusyError(message_id)
            db.execute(
                "INSERT OR REPLACE INTO processed_messages (message_id, state, lease_until, updated_at, owner)"
                " VALUES (?, 'claimed', ?, ?, ?)",
                (message_id, now + self.lease_seconds, now, self._owner),
            )
            return None

    @staticmethod
    def _held(lease_until: float | None, holder: str | None, now: float) -> bool:
        """A claim still holds its id: its lease runs and its owner is not known to be gone."""
        return lease_until is not None and lease_until > now and not owners.gone(holder)

    def _renew(self, message_ids: Sequence[str]) -> None:
        now = time.time()
        db = self._db()  # the keeper's thread: its own connection; one statement per 500 ids
        for start in range(0, len(message_ids), 500):
            chunk = list(message_ids[start:start + 500])
            marks = ",".join("?" * len(chunk))  # only placeholders are formatted in; the ids are bound parameters
            db.execute(
                f"UPDATE processed_messages SET lease_until=? WHERE state='claimed' AND owner=?"  # noqa: S608
                f" AND message_id IN ({marks})",
                (now + self.lease_seconds, self._owner, *chunk),
            )

    def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> None:
        db = self._db()  # one statement: its own transaction (the outcome and the answer together)
        if outcome is None:
            db.execute("DELETE FROM processed_messages WHERE message_id=? AND state='claimed'", (message_id,))
        else:
            db.execute(
                "UPDATE processed_messages SET state='done', outcome=?, reply=?, lease_until=NULL, updated_at=?"
                " WHERE message_id=?",
                (outcome, reply, time.time(), message_id),
            )

    def run_batch(self, items: Sequence[tuple[str, Callable[[], str]]]) -> list[BatchOutcome]:
        """The whole batch in one ``BEGIN IMMEDIATE`` … ``COMMIT``: one commit for many messages. The effects
        run while the write lock is held, so they must be local and short (e.g. a state change).

        The batch's ids are looked up with one ``SELECT … IN`` per 500 and recorded with one ``executemany``."""
        now = time.time()
        results: list[BatchOutcome] = []
        with self._tx() as db:
            known = self._known(db, [message_id for message_id, _ in items])
            done: list[tuple[str, str, float]] = []
            for message_id, effect in items:
                row = known.get(message_id)
                if row is not None and row[0] == "done":
                    results.append(BatchOutcome(message_id, duplicate=True, outcome=str(row[1])))
                    continue
                if row is not None and self._held(row[2], row[3], now):
                    results.append(BatchOutcome(message_id, busy=True))
                    continue
                try:
                    outcome = effect()
                except Exception as exc:
                    results.append(BatchOutcome(message_id, error=exc))
                    continue
                known[message_id] = ("done", outcome, None, None)  # the same id again in this batch is a duplicate
                done.append((message_id, outcome, now))
                results.append(BatchOutcome(message_id, ran=True, outcome=outcome))
            db.executemany(
                "INSERT OR REPLACE INTO processed_messages (message_id, state, outcome, lease_until, updated_at)"
                " VALUES (?, 'done', ?, NULL, ?)",
                done,
            )
        return results

    @staticmethod
    def _known(db: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[str, Any, float | None, str | None]]:
        """State, outcome, lease and owner of those of ``ids`` the store holds."""
        found: dict[str, tuple[str, Any, float | None, str | None]] = {}
        for start in range(0, len(ids), 500):  # well under SQLite's limit on bound parameters
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))  # only placeholders are formatted in; the ids are bound parameters
            query = f"SELECT message_id, state, outcome, lease_until, owner FROM processed_messages WHERE message_id IN ({marks})"  # noqa: S608, E501
            for message_id, state, outcome, lease, holder in db.execute(query, chunk):
                found[message_id] = (state, outcome, lease, holder)
        return found

    def count(self) -> int:
        row = self._db().execute("SELECT count(*) FROM processed_messages WHERE state='done'").fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close every thread's connection: call it once no other thread uses the store (a connection closed while
        another thread's statement runs on it crashes the interpreter's sqlite3 module)."""
        super().close()  # the lease keeper first: it uses a connection of its own
        with self._all_lock:
            for db in self._all:
                db.close()
            self._all.clear()
        self._local = threading.local()


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error) on one connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
