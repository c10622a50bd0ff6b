"""The bulletin board: outage notices by notice id in SQLite, and what each agent has read.

``post(message_id, notice)`` applies one delivered notice in ONE write transaction together with the record of
its message id (``applied_messages``): a redelivered message changes nothing, and a crash between the two cannot
leave one without the other (the worker's processed store only saves the call). A notice is *raised* the first
time its id is seen, *updated* by a higher revision, *cleared* by status CLEARED; an older revision arriving
late is *stale* and ignored, the same revision again *unchanged*. A notice without a Revision is revision 1, a
clearance without one clears the kept revision (``resolve_revision``; the workflow keeps notices by the same rule).
An agent has read a notice when it read its current revision (``mark_read`` records the revision the agent was
shown): an update pops up again (so does a changed notice that kept its revision, and the clearance: the reads of
a notice are dropped when it is cleared). SQLite in WAL mode: the hub's API reads while the bulletin worker (in the
hub or its own process) writes; one connection per thread, closed once its thread has ended.

Retention (``prune``, run by ``post`` at most every ``prune_every`` seconds): a notice cleared more than
``keep_cleared`` seconds ago goes with its areas and reads, and the record of a message applied more than
``keep_messages`` seconds ago (longer than any redelivery) goes too.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hub.bulletin.notice import AffectedArea, OutageNotice, resolve_revision
from hub.config.bulletin import BulletinSettings

__all__ = ["BulletinBoard", "BulletinEntry"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS notices (
        notice_id  TEXT PRIMARY KEY,
        revision   INTEGER NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('ACTIVE', 'CLEARED')),
        notice     TEXT NOT NULL,           -- the notice's fields (JSON)
        raised_at  REAL NOT NULL,
        updated_at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS notice_areas (
        notice_id TEXT NOT NULL, area_code TEXT NOT NULL, PRIMARY KEY (notice_id, area_code))""",
    """CREATE TABLE IF NOT EXISTS notice_reads (
        agent TEXT NOT NULL, notice_id TEXT NOT NULL, revision INTEGER NOT NULL, read_at REAL NOT NULL,
        PRIMARY KEY (agent, notice_id))""",
    """CREATE TABLE IF NOT EXISTS applied_messages (
        message_id TEXT PRIMARY KEY, notice_id TEXT NOT NULL, outcome TEXT NOT NULL, applied_at REAL NOT NULL)""",
)


@dataclass(frozen=True, slots=True)
class BulletinEntry:
    """One notice as one agent sees it."""

    notice: OutageNotice
    unread: bool
    raised_at: float
    updated_at: float


def _notice(data: str) -> OutageNotice:
    fields: dict[str, Any] = json.loads(data)
    fields["areas"] = tuple(AffectedArea(**area) for area in fields["areas"])
    fields["services"] = tuple(fields["services"])
    return OutageNotice(**fields)


class BulletinBoard:
    """Thread-safe: one SQLite connection per thread, short ``BEGIN IMMEDIATE`` write transactions."""

    def __init__(self, path: str | Path, busy_timeout_ms: int = 10_000, *, keep_cleared: float = 30 * 86_400,
                 keep_messages: float = 30 * 86_400, prune_every: float = 3_600) -> None:
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self.keep_cleared, self.keep_messages, self.prune_every = keep_cleared, keep_messages, prune_every
        self._pruned_at = 0.0
        self._local = threading.local()
        self._all: dict[int, tuple[threading.Thread, sqlite3.Connection]] = {}  # by thread id
        self._lock = threading.Lock()
        db = self._db()
        for statement in _SCHEMA:
            db.execute(statement)

    @classmethod
    def from_settings(cls, settings: BulletinSettings) -> BulletinBoard:
        """The board at ``[bulletin] path`` with its retention (``keep_cleared_days``, ``keep_messages_days``)."""
        return cls(settings.path, keep_cleared=settings.keep_cleared_days * 86_400,
                   keep_messages=settings.keep_messages_days * 86_400)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            self._local.db = db
            with self._lock:
                self._close_finished()
                self._all[threading.get_ident()] = (threading.current_thread(), db)
        return db

    def _close_finished(self) -> None:
        """Close the connections of threads that have ended (a worker's handler threads come and go); the lock
        is held."""
        for ident, (thread, db) in list(self._all.items()):
            if not thread.is_alive():
                db.close()
                del self._all[ident]

    def connections(self) -> int:
        """How many connections the board holds open (one per live thread that used it)."""
        with self._lock:
            self._close_finished()
            return len(self._all)

    def post(self, message_id: str, notice: OutageNotice) -> str:
        """Apply ``notice`` once per ``message_id``; the outcome: raised, updated, cleared or stale (the one
        recorded first, for a message applied before)."""
        db, now = self._db(), time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            done = db.execute("SELECT outcome FROM applied_messages WHERE message_id=?", (message_id,)).fetchone()
            if done is not None:
                db.execute("ROLLBACK")
                return str(done[0])
            outcome = self._apply(db, notice, now)
            db.execute("INSERT INTO applied_messages VALUES (?, ?, ?, ?)", (message_id, notice.notice_id, outcome, now))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if now - self._pruned_at >= self.prune_every:
            self.prune(now)
        return outcome

    def prune(self, now: float | None = None) -> tuple[int, int]:
        """Drop the notices cleared before the retention (their areas, their reads) and the records of messages
        applied before theirs; how many notices and message records went."""
        now = time.time() if now is None else now
        self._pruned_at = now
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            gone = [row[0] for row in db.execute("SELECT notice_id FROM notices WHERE status = 'CLEARED'"
                                                 " AND updated_at < ?", (now - self.keep_cleared,))]
            for table in ("notice_reads", "notice_areas", "notices"):
                db.executemany(f"DELETE FROM {table} WHERE notice_id = ?", [(n,) for n in gone])  # noqa: S608
            messages = db.execute("DELETE FROM applied_messages WHERE applied_at < ?",
                                  (now - self.keep_messages,)).rowcount
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return len(gone), int(messages)

    @staticmethod
    def _apply(db: sqlite3.Connection, notice: OutageNotice, now: float) -> str:
        row = db.execute("SELECT revision, status, notice FROM notices WHERE notice_id=?",
                         (notice.notice_id,)).fetchone()
        notice = resolve_revision(notice, None if row is None else int(row[0]))
        data = json.dumps(asdict(notice), ensure_ascii=False)
        outcome = "cleared" if not notice.active else "updated"
        if row is None:
            outcome = "raised" if notice.active else "cleared"
        elif notice.revision < row[0] or (notice.revision == row[0] and row[1] == "CLEARED" and notice.active):
            return "stale"
        elif notice.revision == row[0]:
            if data == row[2]:
                return "unchanged"  # the same revision sent again (a new message id for the same notice)
            # changed without a new revision: what agents read is no longer what it says
            db.execute("DELETE FROM notice_reads WHERE notice_id=?", (notice.notice_id,))
        if row is not None and row[1] == "ACTIVE" and not notice.active:
            db.execute("DELETE FROM notice_reads WHERE notice_id=?", (notice.notice_id,))  # the clearance is news
        db.execute(
            "INSERT INTO notices VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(notice_id) DO UPDATE SET"
            " revision=excluded.revision, status=excluded.status, notice=excluded.notice,"
            " updated_at=excluded.updated_at",
            (notice.notice_id, notice.revision, notice.status, data, now, now),
        )
        db.execute("DELETE FROM notice_areas WHERE notice_id=?", (notice.notice_id,))
        db.executemany("INSERT OR IGNORE INTO notice_areas VALUES (?, ?)",
                       [(notice.notice_id, area.code) for area in notice.areas])
        return outcome

    def entries(self, agent: str, *, area: str | None = None, include_cleared: bool = False,
                after: tuple[float, str] | None = None, limit: int | None = None) -> list[BulletinEntry]:
        """The notices for ``agent``, newest change first: the active ones (all of them with ``include_cleared``),
        only those touching area code ``area`` when given, each marked unread unless the agent read its revision;
        a page: those after ``after`` (the last entry's ``(updated_at, notice_id)`` of the page before), at most
        ``limit``."""
        at, last = after if after is not None else (None, "")
        query = ("SELECT n.notice, n.raised_at, n.updated_at, (r.revision IS NULL OR r.revision < n.revision)"
                 " FROM notices n LEFT JOIN notice_reads r ON r.notice_id = n.notice_id AND r.agent = ?"
                 " WHERE (? OR n.status = 'ACTIVE')"
                 " AND (? IS NULL OR EXISTS (SELECT 1 FROM notice_areas a"
                 " WHERE a.notice_id = n.notice_id AND a.area_code = ?))"
                 " AND (? IS NULL OR n.updated_at < ? OR (n.updated_at = ? AND n.notice_id > ?))"
                 " ORDER BY n.updated_at DESC, n.notice_id LIMIT ?")
        rows = self._db().execute(query, (agent, include_cleared, area, area, at, at, at, last,
                                          -1 if limit is None else limit)).fetchall()
        return [BulletinEntry(_notice(data), bool(unread), raised, updated) for data, raised, updated, unread in rows]

    def notice(self, notice_id: str) -> BulletinEntry | None:
        """One notice as anyone reads it (no agent: never unread), or None."""
        row = self._db().execute("SELECT notice, raised_at, updated_at FROM notices WHERE notice_id=?",
                                 (notice_id,)).fetchone()
        return None if row is None else BulletinEntry(_notice(row[0]), False, row[1], row[2])

    def mark_read(self, agent: str, notice_id: str, revision: int | None = None) -> int | None:
        """Record that ``agent`` read ``revision`` of the notice (the one the agent was shown; None: the current
        one); the revision recorded, or None if no such notice. A revision newer than the current one counts as
        the current one; an agent's read never moves back to an older revision."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT revision FROM notices WHERE notice_id=?", (notice_id,)).fetchone()
            if row is not None:
                seen = int(row[0]) if revision is None else min(int(revision), int(row[0]))
                db.execute("INSERT INTO notice_reads VALUES (?, ?, ?, ?) ON CONFLICT(agent, notice_id) DO UPDATE"
                           " SET revision=max(revision, excluded.revision), read_at=excluded.read_at",
                           (agent, notice_id, seen, time.time()))
                row = (seen,)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return None if row is None else int(row[0])

    def applied(self) -> int:
        """How many delivered notice messages the board has applied (each id once)."""
        return int(self._db().execute("SELECT count(*) FROM applied_messages").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            for _thread, db in self._all.values():
                db.close()
            self._all.clear()
        self._local = threading.local()
