"""The bulletin board: outage notices by notice id in SQLite, and what each agent has read.

``post(message_id, notice)`` applies one delivered notice in ONE write transaction together with the record of
its message id (``applied_messages``): a redelivered message changes nothing, and a crash between the two cannot
leave one without the other (the worker's processed store only saves the call). How a notice changes the kept one
(raised, updated, cleared, stale, unchanged; its edition) is ``hub.bulletin.editions``.

An agent has read a notice when it read its current *edition*: every change applied raises it (a new revision, a
correction that kept its revision, the clearance), so each pops up again. ``mark_read`` records the edition the
agent was shown (``edition=``, from the list), or for a caller that only knows the revision, the first edition of
that revision: a correction or clearance that kept the revision, which the agent may never have seen, stays unread.

Agents page in the order notices were raised, newest first (``raised_at``, ``notice_id``: neither changes when a
notice does), so a pass through the pages shows every notice of its start once, each as it is when its page comes.
The top-level unread count is counted apart from the page, under the same filter, in the same read transaction.

SQLite in WAL mode: the hub's API reads while the bulletin worker (in the hub or its own process) writes; one
connection per thread, closed once its thread has ended. A writer kept waiting beyond the busy timeout is
``BoardBusy``. Tables and their upgrade in place: ``hub.bulletin.schema``; retention (``prune``, run by ``post`` at
most every ``prune_every`` seconds, in small transactions): ``hub.bulletin.retention``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.bulletin.editions import apply_notice
from hub.bulletin.notice import AffectedArea, OutageNotice
from hub.bulletin.retention import BATCH, prune_cleared
from hub.bulletin.schema import EDITION, open_schema, warn_if_left_behind
from hub.config.bulletin import BulletinSettings

__all__ = ["BoardBusy", "BulletinBoard", "BulletinEntry", "BulletinPage", "ReadMark"]

_JOINED = " FROM notices n LEFT JOIN notice_editions e ON e.notice_id = n.notice_id"
_FOR_AGENT = (f"{_JOINED} LEFT JOIN notice_reads r ON r.notice_id = n.notice_id AND r.agent = :agent"  # noqa: S608
              " WHERE (:everything OR n.status = 'ACTIVE') AND (:area IS NULL OR EXISTS (SELECT 1 FROM notice_areas a"
              " WHERE a.notice_id = n.notice_id AND a.area_code = :area))")
_UNREAD = f"(r.edition IS NULL OR r.edition < {EDITION})"
_PAGE = (f"SELECT n.notice, n.raised_at, n.updated_at, {EDITION}, {_UNREAD}{_FOR_AGENT}"
         " AND (:at IS NULL OR n.raised_at < :at OR (n.raised_at = :at AND n.notice_id > :last))"
         " ORDER BY n.raised_at DESC, n.notice_id LIMIT :limit")
_COUNT = f"SELECT count(*){_FOR_AGENT} AND {_UNREAD}"


class BoardBusy(RuntimeError):
    """The board's database stayed locked by another writer beyond the busy timeout; nothing was written."""


@dataclass(frozen=True, slots=True)
class BulletinEntry:
    """One notice as one agent sees it; ``edition`` is what ``mark_read(edition=)`` takes."""

    notice: OutageNotice
    unread: bool
    raised_at: float
    updated_at: float
    edition: int = 1


@dataclass(frozen=True, slots=True)
class BulletinPage:
    """One page of an agent's notices; ``unread``: all of the agent's unread notices under the page's filter
    (not only this page's); ``more``: a page follows (after the last entry)."""

    entries: list[BulletinEntry]
    unread: int
    more: bool


@dataclass(frozen=True, slots=True)
class ReadMark:
    """What ``mark_read`` recorded: the ``edition`` marked, its ``revision`` (None: an earlier edition given by
    number, whose revision is no longer kept); ``unread``: the notice has an edition the agent has not read."""

    revision: int | None
    edition: int
    unread: bool


def _notice(data: str) -> OutageNotice:
    fields: dict[str, Any] = json.loads(data)
    fields["areas"] = tuple(AffectedArea(**area) for area in fields["areas"])
    fields["services"] = tuple(fields["services"])
    return OutageNotice(**fields)


@contextmanager
def _unless_locked(what: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise BoardBusy(f"the bulletin's database is locked by another writer (retention, a burst of notices); "
                            f"{what}") from exc
        raise


class BulletinBoard:
    """Thread-safe: one SQLite connection per thread, short ``BEGIN IMMEDIATE`` write transactions."""

    def __init__(self, path: str | Path, busy_timeout_ms: int = 10_000, *, keep_cleared: float = 30 * 86_400,
                 keep_messages: float = 30 * 86_400, prune_every: float = 3_600, prune_batch: int = BATCH) -> None:
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self.keep_cleared, self.keep_messages, self.prune_every = keep_cleared, keep_messages, prune_every
        self.prune_batch = prune_batch
        self._pruned_at = 0.0
        self._local = threading.local()
        self._all: dict[int, tuple[threading.Thread, sqlite3.Connection]] = {}  # by thread id
        self._lock = threading.Lock()
        open_schema(self._db())

    @classmethod
    def from_settings(cls, settings: BulletinSettings) -> BulletinBoard:
        """The board at ``[bulletin] path`` with its retention (``keep_cleared_days``, ``keep_messages_days``)."""
        warn_if_left_behind(settings.path)
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
        """Apply ``notice`` once per ``message_id``; the outcome: raised, updated, cleared, stale or unchanged (the
        one recorded first, for a message applied before)."""
        db, now = self._db(), time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            done = db.execute("SELECT outcome FROM applied_messages WHERE message_id=?", (message_id,)).fetchone()
            if done is not None:
                db.execute("ROLLBACK")
                return str(done[0])
            outcome = apply_notice(db, notice, now)
            db.execute("INSERT INTO applied_messages VALUES (?, ?, ?, ?)", (message_id, notice.notice_id, outcome, now))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if now - self._pruned_at >= self.prune_every:
            self.prune(now)
        return outcome

    def prune(self, now: float | None = None) -> tuple[int, int]:
        """Drop the notices cleared before the retention (their areas, reads, editions) and the records of messages
        applied before theirs, a batch per transaction; how many notices and message records went."""
        now = time.time() if now is None else now
        self._pruned_at = now
        return prune_cleared(self._db(), cleared_before=now - self.keep_cleared,
                             applied_before=now - self.keep_messages, batch=self.prune_batch)

    def page(self, agent: str, *, area: str | None = None, include_cleared: bool = False,
             after: tuple[float, str] | None = None, limit: int | None = None) -> BulletinPage:
        """The notices for ``agent``, newest raised first: the active ones (all of them with ``include_cleared``),
        only those touching area code ``area`` when given, each unread unless the agent read its edition; those
        after ``after`` (the last entry's ``(raised_at, notice_id)`` of the page before), at most ``limit``; with
        the agent's unread count under the same filter (every page's)."""
        at, last = after if after is not None else (None, "")
        common = {"agent": agent, "everything": include_cleared, "area": area}
        db = self._db()
        with _unless_locked("the bulletin could not be read"):
            db.execute("BEGIN")  # one snapshot for the page and the count
            try:
                rows = db.execute(_PAGE, {**common, "at": at, "last": last,
                                          "limit": -1 if limit is None else limit + 1}).fetchall()
                unread = int(db.execute(_COUNT, common).fetchone()[0])
            finally:
                db.execute("COMMIT")
        entries = [BulletinEntry(_notice(data), bool(unseen), raised, updated, int(edition))
                   for data, raised, updated, edition, unseen in rows]
        more = limit is not None and len(entries) > limit
        return BulletinPage(entries[:limit] if more else entries, unread, more)

    def entries(self, agent: str, *, area: str | None = None, include_cleared: bool = False,
                after: tuple[float, str] | None = None, limit: int | None = None) -> list[BulletinEntry]:
        """The entries of ``page`` alone."""
        return self.page(agent, area=area, include_cleared=include_cleared, after=after, limit=limit).entries

    def unread(self, agent: str, *, area: str | None = None, include_cleared: bool = False) -> int:
        """How many of the notices ``entries`` would list (every page) ``agent`` has not read."""
        return self.page(agent, area=area, include_cleared=include_cleared, limit=0).unread

    def notice(self, notice_id: str) -> BulletinEntry | None:
        """One notice as anyone reads it (no agent: never unread), or None."""
        row = self._db().execute(f"SELECT n.notice, n.raised_at, n.updated_at, {EDITION}{_JOINED}"
                                 " WHERE n.notice_id=?", (notice_id,)).fetchone()
        return None if row is None else BulletinEntry(_notice(row[0]), False, row[1], row[2], int(row[3]))

    def mark_read(self, agent: str, notice_id: str, revision: int | None = None, *,
                  edition: int | None = None) -> ReadMark | None:
        """Record that ``agent`` read the notice: ``edition`` (the one it was shown), else the first edition of
        ``revision`` (a correction or clearance that kept it stays unread), else the current edition; None if no
        such notice. A number newer than the current one counts as the current one; an agent's read never moves
        back to an older edition."""
        db = self._db()
        with _unless_locked("the read mark was not recorded"):
            db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(f"SELECT n.revision, {EDITION}, coalesce(e.revision_edition, n.revision){_JOINED}"
                             " WHERE n.notice_id=?", (notice_id,)).fetchone()
            if row is None:
                db.execute("COMMIT")
                return None
            current_revision, current, first = (int(value) for value in row)
            shown: int | None = current_revision
            if edition is not None:
                seen = min(edition, current)
                shown = current_revision if seen >= first else None
            elif revision is not None:  # an earlier revision: an edition before the current revision's first
                shown = min(revision, current_revision)
                seen = first if revision >= current_revision else first - 1
            else:
                seen = current
            kept = db.execute("INSERT INTO notice_reads VALUES (?, ?, ?, ?) ON CONFLICT(agent, notice_id) DO UPDATE"
                              " SET edition=max(edition, excluded.edition), read_at=excluded.read_at"
                              " RETURNING edition", (agent, notice_id, seen, time.time())).fetchall()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return ReadMark(shown, seen, int(kept[0][0]) < current)

    def applied(self) -> int:
        """How many delivered notice messages the board has applied (each id once)."""
        return int(self._db().execute("SELECT count(*) FROM applied_messages").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            for _thread, db in self._all.values():
                db.close()
            self._all.clear()
        self._local = threading.local()
