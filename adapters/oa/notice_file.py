"""``NoticeBookFile``: the OA adapter's notice records (``adapters.oa.notice_book``) in an SQLite file that every OA
worker process of the hub opens (``onepoint-oa-notices.db`` beside the bulletin's file, ``adapters.oa.wiring``), so
a stale revision, a push overtaken by a newer one and the managers told are judged against what any of them, before
or after a restart, recorded.

The file (WAL, like the bulletin's) is shared per topology prefix (one file may serve several hubs side by side, as
the tests' do). Tables: ``oa_notice_versions`` (per notice: the version kept, its fingerprint, sequence, message,
NSP's SentAt, the managers told, when it changed) and ``oa_to_read_items`` (per to-read item: the version it must
show, the one it shows, the push in flight). A page is one ``BEGIN IMMEDIATE`` transaction: another process waits
for it (``busy_timeout``).

**Upgrade in place.** A file written before the SentAt, the managers told and the items were kept opens as it is:
the missing columns are added (under the write lock, so two workers starting at once add them once), its notices
then have no SentAt (a same-revision variant is judged by its content alone, as before), nobody recorded as told
(their next version goes to the managers of its areas, as before) and their retention counting from the upgrade.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from adapters.oa.notice_book import KeptItem, KeptNotice, NoticePage

__all__ = ["FILE_NAME", "NoticeBookFile"]

FILE_NAME = "onepoint-oa-notices.db"  # beside the bulletin's file ([bulletin] path's folder): adapters.oa.wiring

_VERSIONS = """
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
_ADDED_COLUMNS = (  # added to a file of the first schema (above) in place
    ("sent_at", "TEXT"),
    ("told", "TEXT NOT NULL DEFAULT ''"),
    ("changed_at", "REAL NOT NULL DEFAULT 0"),
)
_ITEMS_AND_INDEXES = (
    "CREATE TABLE IF NOT EXISTS oa_to_read_items (prefix TEXT NOT NULL, item_id TEXT NOT NULL, "
    "notice_id TEXT NOT NULL, wanted INTEGER NOT NULL, wanted_id TEXT NOT NULL, pushed INTEGER NOT NULL, "
    "lease_owner TEXT NOT NULL, lease_until REAL NOT NULL, PRIMARY KEY (prefix, item_id))",
    "CREATE INDEX IF NOT EXISTS ix_oa_to_read_items_notice ON oa_to_read_items (prefix, notice_id)",
    "CREATE INDEX IF NOT EXISTS ix_oa_notice_versions_cleared ON oa_notice_versions (prefix, cleared, changed_at)",
)
_GET = ("SELECT revision, cleared, fingerprint, sequence, message_id, sent_at, told, changed_at "
        "FROM oa_notice_versions WHERE prefix = ? AND notice_id = ?")
_PUT = ("INSERT INTO oa_notice_versions (prefix, notice_id, revision, cleared, fingerprint, sequence, message_id, "
        "sent_at, told, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (prefix, notice_id) DO UPDATE "
        "SET revision = excluded.revision, cleared = excluded.cleared, fingerprint = excluded.fingerprint, "
        "sequence = excluded.sequence, message_id = excluded.message_id, sent_at = excluded.sent_at, "
        "told = excluded.told, changed_at = excluded.changed_at")
_GET_ITEM = ("SELECT notice_id, wanted, wanted_id, pushed, lease_owner, lease_until FROM oa_to_read_items "
             "WHERE prefix = ? AND item_id = ?")
_PUT_ITEM = ("INSERT INTO oa_to_read_items (prefix, item_id, notice_id, wanted, wanted_id, pushed, lease_owner, "
             "lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (prefix, item_id) DO UPDATE SET "
             "notice_id = excluded.notice_id, wanted = excluded.wanted, wanted_id = excluded.wanted_id, "
             "pushed = excluded.pushed, lease_owner = excluded.lease_owner, lease_until = excluded.lease_until")
_EXPIRED = ("SELECT notice_id FROM oa_notice_versions WHERE prefix = ? AND cleared = 1 AND changed_at < ? "
            "ORDER BY changed_at LIMIT ?")


class NoticeBookFile:
    """The records in an SQLite file shared by the OA worker processes and kept over restarts."""

    def __init__(self, path: str | Path, *, prefix: str = "onepoint", busy_timeout_ms: int = 10_000) -> None:
        self.path, self.prefix = Path(path), prefix
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        try:
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._create_or_upgrade()
        except BaseException:
            self._db.close()
            raise

    def _create_or_upgrade(self) -> None:
        with self.page():
            self._db.execute(_VERSIONS)
            present = {str(row[1]) for row in self._db.execute("PRAGMA table_info(oa_notice_versions)")}
            for name, declaration in _ADDED_COLUMNS:
                if name not in present:
                    self._db.execute(f"ALTER TABLE oa_notice_versions ADD COLUMN {name} {declaration}")
            if "changed_at" not in present:  # the retention of the notices kept before counts from now
                self._db.execute("UPDATE oa_notice_versions SET changed_at = ?", (time.time(),))
            for statement in _ITEMS_AND_INDEXES:
                self._db.execute(statement)

    def get(self, notice_id: str) -> KeptNotice | None:
        row = self._db.execute(_GET, (self.prefix, notice_id)).fetchone()
        if row is None:
            return None
        sent_at = None if row[5] is None else datetime.fromisoformat(str(row[5]))
        return KeptNotice(int(row[0]), bool(row[1]), str(row[2]), int(row[3]), str(row[4]), sent_at,
                          tuple(str(row[6]).split()), float(row[7]))

    def put(self, notice_id: str, kept: KeptNotice) -> None:
        sent_at = None if kept.sent_at is None else kept.sent_at.isoformat()
        self._db.execute(_PUT, (self.prefix, notice_id, kept.revision, int(kept.cleared), kept.fingerprint,
                                kept.sequence, kept.message_id, sent_at, " ".join(kept.told), kept.changed_at))

    def item(self, item_id: str) -> KeptItem | None:
        row = self._db.execute(_GET_ITEM, (self.prefix, item_id)).fetchone()
        return None if row is None else KeptItem(str(row[0]), int(row[1]), str(row[2]), int(row[3]), str(row[4]),
                                                 float(row[5]))

    def put_item(self, item_id: str, kept: KeptItem) -> None:
        self._db.execute(_PUT_ITEM, (self.prefix, item_id, kept.notice_id, kept.wanted, kept.wanted_id,
                                     kept.pushed, kept.lease_owner, kept.lease_until))

    def prune(self, changed_before: float, limit: int) -> int:
        expired = [(self.prefix, str(row[0]))
                   for row in self._db.execute(_EXPIRED, (self.prefix, changed_before, limit))]
        self._db.executemany("DELETE FROM oa_to_read_items WHERE prefix = ? AND notice_id = ?", expired)
        self._db.executemany("DELETE FROM oa_notice_versions WHERE prefix = ? AND notice_id = ?", expired)
        return len(expired)

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
