"""Where the OA adapter keeps the newest version of each outage notice it pushed to-reads for (``versions``): in
memory (``MemoryNoticeBook``, one worker process, the least recently changed notice forgotten past a bound) or in
an SQLite file (``NoticeBookFile``) that every OA worker process of the hub opens, so a stale revision is judged
against what any of them, before or after a restart, accepted.

The file (WAL, like the bulletin's) has one table, ``oa_notice_versions``: per topology prefix (one file may serve
several hubs side by side, as the tests' do) and notice id, the version (revision, cleared), the content's
fingerprint, the sequence number of that version and the message that brought it. A notice's row is read and
written in one ``BEGIN IMMEDIATE`` transaction, so two processes offering versions of one notice at once are
judged one after the other.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

__all__ = ["FILE_NAME", "KeptNotice", "MemoryNoticeBook", "NoticeBook", "NoticeBookFile", "NoticePage"]

FILE_NAME = "onepoint-oa-notices.db"  # beside the bulletin's file ([bulletin] path's folder): adapters.oa.wiring

_SCHEMA = """
CREATE TABLE IF NOT EXISTS oa_notice_versions (
    prefix TEXT NOT NULL,
    notice_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    cleared INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (prefix, notice_id)
)
"""


@dataclass(frozen=True, slots=True)
class KeptNotice:
    """The version of a notice the to-reads show (or are on their way to showing)."""

    revision: int
    cleared: bool
    fingerprint: str
    sequence: int
    message_id: str  # of the notice message that brought this version (its retry sends again)


class NoticePage(Protocol):
    """One notice's record, read and written in one go (``NoticeBook.page``)."""

    def get(self, notice_id: str) -> KeptNotice | None: ...

    def put(self, notice_id: str, kept: KeptNotice) -> None: ...


class NoticeBook(Protocol):
    """Where the versions are kept: ``page()`` gives one notice's record for one read-and-write."""

    def page(self) -> AbstractContextManager[NoticePage]: ...

    def close(self) -> None: ...


class MemoryNoticeBook:
    """The record in this process's memory: at most ``max_notices``, the least recently changed forgotten first."""

    def __init__(self, max_notices: int = 10_000) -> None:
        self.max_notices = max_notices
        self._notices: OrderedDict[str, KeptNotice] = OrderedDict()

    def get(self, notice_id: str) -> KeptNotice | None:
        return self._notices.get(notice_id)

    def put(self, notice_id: str, kept: KeptNotice) -> None:
        self._notices[notice_id] = kept
        self._notices.move_to_end(notice_id)
        while len(self._notices) > self.max_notices:
            self._notices.popitem(last=False)

    @contextmanager
    def page(self) -> Iterator[NoticePage]:
        yield self  # the caller (``ToReadVersions``) holds its lock

    def close(self) -> None:
        self._notices.clear()


class NoticeBookFile:
    """The record in an SQLite file shared by the OA worker processes and kept over restarts."""

    def __init__(self, path: str | Path, *, prefix: str = "onepoint", busy_timeout_ms: int = 10_000) -> None:
        self.path, self.prefix = Path(path), prefix
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def get(self, notice_id: str) -> KeptNotice | None:
        row = self._db.execute("SELECT revision, cleared, fingerprint, sequence, message_id FROM oa_notice_versions "
                               "WHERE prefix = ? AND notice_id = ?", (self.prefix, notice_id)).fetchone()
        return None if row is None else KeptNotice(int(row[0]), bool(row[1]), str(row[2]), int(row[3]), str(row[4]))

    def put(self, notice_id: str, kept: KeptNotice) -> None:
        self._db.execute(
            "INSERT INTO oa_notice_versions (prefix, notice_id, revision, cleared, fingerprint, sequence, message_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (prefix, notice_id) DO UPDATE SET revision = excluded.revision, "
            "cleared = excluded.cleared, fingerprint = excluded.fingerprint, sequence = excluded.sequence, "
            "message_id = excluded.message_id",
            (self.prefix, notice_id, kept.revision, int(kept.cleared), kept.fingerprint, kept.sequence,
             kept.message_id))

    @contextmanager
    def page(self) -> Iterator[NoticePage]:
        """A transaction that holds the file's write lock from the read on (another process waits for it)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()
