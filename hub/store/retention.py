"""The retention of an adapter's SQLite processed-message store: a record is deleted ``keep_seconds`` (7 days by
default) after it was last written, so the file does not grow with every message for ever.

A copy of a message can come back while its delivery is retried (the delay tiers: minutes) or when a dead letter
is replayed; the record outlives both by far, and a copy arriving later still is taken as a new message. The purge
runs on a worker's thread after it recorded a message, at most every ``every`` seconds: ``batch`` rows per
statement (``updated_at`` index), each statement its own short write transaction, at most ``batches`` of them in one
go (the rest soon after), so a worker never waits long. A claim is deleted only once its lease has ended too.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hub.store.base import BatchOutcome
from hub.store.purge_schedule import DEFAULT_KEEP_SECONDS, PurgeSchedule
from hub.store.sqlite import SQLiteProcessedStore

__all__ = ["DEFAULT_KEEP_SECONDS", "RetainingSQLiteStore", "SQLiteRetention", "purge_expired"]

log = logging.getLogger("onepoint.store")

_INDEX = "CREATE INDEX IF NOT EXISTS ix_processed_messages_updated ON processed_messages (updated_at)"
_PURGE = ("DELETE FROM processed_messages WHERE rowid IN (SELECT rowid FROM processed_messages"
          " WHERE updated_at < ? AND (state = 'done' OR lease_until IS NULL OR lease_until < ?) LIMIT ?)")


def purge_expired(db: sqlite3.Connection, before: float, *, now: float, batch: int) -> int:
    """One bounded purge statement (autocommit: its own transaction); how many records went."""
    return max(db.execute(_PURGE, (before, now, batch)).rowcount, 0)


class SQLiteRetention(PurgeSchedule):
    """When a store's records are purged, and the purge (see the module docstring)."""

    def tick(self, db: sqlite3.Connection) -> int:
        """Purge if due (one thread at a time; the others go on at once); how many records went."""
        return self.run(lambda now: purge_expired(db, now - self.keep_seconds, now=now, batch=self.batch))


class RetainingSQLiteStore(SQLiteProcessedStore):
    """``SQLiteProcessedStore`` whose records are deleted ``retention.keep_seconds`` after they were written."""

    def __init__(self, path: str | Path, *, retention: SQLiteRetention | None = None, **options: Any) -> None:
        super().__init__(path, **options)
        self.retention = retention or SQLiteRetention()
        self._db().execute(_INDEX)

    def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> None:
        super()._finish(message_id, outcome, reply)
        if outcome is not None:
            self._purge()

    def run_batch(self, items: Sequence[tuple[str, Callable[[], str]]]) -> list[BatchOutcome]:
        results = super().run_batch(items)
        self._purge()
        return results

    def _purge(self) -> None:
        """The purge if due; a purge that fails (the file busy past the timeout) is tried again next time, never
        taken for a failure of the message just recorded."""
        try:
            self.retention.tick(self._db())
        except sqlite3.Error as exc:
            log.warning("processed-message purge failed; tried again later", extra={"path": self.path,
                                                                                   "error": str(exc)})
