"""The bulletin's retention: cleared notices and old message records dropped in small write transactions.

A storm's thousands of cleared notices come due together. Dropped in one transaction, they held the board's only
write lock for as long as it took (each notice's reads found by scanning every read of every agent, before
``notice_reads`` had its index on notice_id): agents marking notices read waited out their busy timeout and were
refused. Here each transaction drops at most ``batch`` notices (their areas, reads and editions, each found by
index) or ``batch`` message records, and the lock is let go for ``pause`` seconds between two, so a waiting writer
(the hub marking a notice read) gets its turn after at most one batch. On PostgreSQL a notice whose row a writer
holds (a change being applied) is skipped (``FOR UPDATE SKIP LOCKED``): a later pass drops it if still due.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from time import sleep

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from hub.bulletin.database import engine_over
from hub.bulletin.tables import APPLIED, AREAS, EDITIONS, NOTICES, READS

__all__ = ["BATCH", "PAUSE", "prune_cleared"]

BATCH = 200  # notices (or message records) dropped in one write transaction
PAUSE = 0.01  # seconds between two: SQLite's busy handler polls, it takes a free moment to let a waiter in
_OF_NOTICE = (READS, AREAS, EDITIONS, NOTICES)


def _in_batches(engine: Engine, step: Callable[[Connection], int], pause: float) -> int:
    """Run ``step`` (how many rows it dropped) in its own write transaction until it drops none; the total."""
    total = 0
    while True:
        with engine.begin() as connection:
            dropped = step(connection)
        total += dropped
        if dropped == 0:
            return total
        sleep(pause)


def prune_cleared(db: Engine | sqlite3.Connection, *, cleared_before: float, applied_before: float,
                  batch: int = BATCH, pause: float = PAUSE) -> tuple[int, int]:
    """Drop the notices cleared before ``cleared_before`` (with their areas, reads and editions) and the records
    of messages applied before ``applied_before``; how many of each went. ``db``: the board's engine, or a
    connection of its own to a board file."""
    engine = engine_over(db) if isinstance(db, sqlite3.Connection) else db
    due = (sa.select(NOTICES.c.notice_id)
           .where(NOTICES.c.status == "CLEARED", NOTICES.c.updated_at < cleared_before)
           .limit(batch).with_for_update(skip_locked=True))
    old = sa.select(APPLIED.c.message_id).where(APPLIED.c.applied_at < applied_before).limit(batch)

    def notices(connection: Connection) -> int:
        gone = [row[0] for row in connection.execute(due)]
        if gone:
            for table in _OF_NOTICE:
                connection.execute(table.delete().where(table.c.notice_id.in_(gone)))
        return len(gone)

    def messages(connection: Connection) -> int:
        return int(connection.execute(APPLIED.delete().where(APPLIED.c.message_id.in_(old)))
                   .rowcount)

    return _in_batches(engine, notices, pause), _in_batches(engine, messages, pause)
