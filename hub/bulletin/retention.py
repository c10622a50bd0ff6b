"""The bulletin's retention: cleared notices and old message records dropped in small write transactions.

A storm's thousands of cleared notices come due together. Dropped in one transaction, they held the board's only
write lock for as long as it took (each notice's reads found by scanning every read of every agent, before
``notice_reads`` had its index on notice_id): agents marking notices read waited out their busy timeout and were
refused. Here each transaction drops at most ``batch`` notices (their areas, reads and editions, each found by
index) or ``batch`` message records, and the lock is let go for ``pause`` seconds between two, so a waiting writer
(the hub marking a notice read) gets its turn after at most one batch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from time import sleep

__all__ = ["BATCH", "PAUSE", "prune_cleared"]

BATCH = 200  # notices (or message records) dropped in one write transaction
PAUSE = 0.01  # seconds between two: SQLite's busy handler polls, it takes a free moment to let a waiter in
_OF_NOTICE = ("notice_reads", "notice_areas", "notice_editions", "notices")


def _in_batches(db: sqlite3.Connection, step: Callable[[], int], pause: float) -> int:
    """Run ``step`` (how many rows it dropped) in its own write transaction until it drops none; the total."""
    total = 0
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            dropped = step()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        total += dropped
        if dropped == 0:
            return total
        sleep(pause)


def prune_cleared(db: sqlite3.Connection, *, cleared_before: float, applied_before: float, batch: int = BATCH,
                  pause: float = PAUSE) -> tuple[int, int]:
    """Drop the notices cleared before ``cleared_before`` (with their areas, reads and editions) and the records
    of messages applied before ``applied_before``; how many of each went."""

    def notices() -> int:
        gone = [(row[0],) for row in db.execute(
            "SELECT notice_id FROM notices WHERE status = 'CLEARED' AND updated_at < ? LIMIT ?",
            (cleared_before, batch))]
        for table in _OF_NOTICE:
            db.executemany(f"DELETE FROM {table} WHERE notice_id = ?", gone)  # noqa: S608 - a table of ours
        return len(gone)

    def messages() -> int:
        return int(db.execute("DELETE FROM applied_messages WHERE rowid IN (SELECT rowid FROM applied_messages"
                              " WHERE applied_at < ? LIMIT ?)", (applied_before, batch)).rowcount)

    return _in_batches(db, notices, pause), _in_batches(db, messages, pause)
