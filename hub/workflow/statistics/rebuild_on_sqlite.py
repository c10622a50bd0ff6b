"""The rebuild on a SQLite file, beside a running hub: counted in a read snapshot, the write lock taken only to
replace the counter rows.

SQLite has one write lock per file. Held for the whole rebuild (``BEGIN IMMEDIATE``: ~30 s for 300,000 work
orders, a minute a million), every change the hub makes meanwhile waits its busy timeout (10 s) and is refused
busy. So the counting reads a snapshot (a plain ``BEGIN``: WAL lets writers commit beside it), which holds the
counter rows of that moment too. Changes committed after it add to the counters, each with its own rows in one
transaction; as nothing else writes the counters but by adding, what they added is the counters now less the
counters of the snapshot. Under the write lock the rebuild reads the counters again and writes its own counts
plus that difference: nothing committed meanwhile is lost or counted twice, and the lock lasts as long as
reading and rewriting the rolled-up rows (a few thousand, not the work orders).

A second rebuild replaces the rows rather than adding to them, so two rebuilds take turns: each holds
``<file>.stats-rebuild-lock`` exclusive (``flock``, waited for) from its snapshot to its commit.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import cast

from sqlalchemy import Connection, Engine, select

from hub.workflow.statistics.counters import KEY_COLUMNS
from hub.workflow.statistics.measures import CounterKey
from hub.workflow.store.dialect import one_snapshot
from hub.workflow.store.hub_lock import lock_file_beside
from hub.workflow.store.schema import work_order_counters

__all__ = ["REBUILD_LOCK", "rebuild_beside_writers"]

log = logging.getLogger("onepoint.workflow.statistics")

REBUILD_LOCK = ".stats-rebuild-lock"  # beside the file, as the hub's ``.hub-lock``


def rebuild_beside_writers(engine: Engine, count: Callable[[Connection], tuple[Counter[CounterKey], int]],
                           replace: Callable[[Connection, Counter[CounterKey]], int]) -> tuple[int, int]:
    """``count`` in a read snapshot, then, under the write lock, ``replace`` with its counts plus what the
    changes committed since added; (counter rows written, work orders counted)."""
    with _one_rebuild_at_a_time(engine):
        with one_snapshot(engine) as connection:
            before = _counters(connection)  # the snapshot's: its first read, so the counting sees the same moment
            counts, seen = count(connection)
        with engine.connect() as connection, connection.begin():  # BEGIN IMMEDIATE: the write lock, from here
            counts.update(_counters(connection))  # plus what the changes committed since the snapshot added
            counts.subtract(before)
            return replace(connection, counts), seen


def _counters(connection: Connection) -> Counter[CounterKey]:
    c = work_order_counters.c
    statement = select(*(c[name] for name in KEY_COLUMNS), c.count)
    return Counter({cast(CounterKey, tuple(row[:-1])): int(row[-1]) for row in connection.execute(statement)})


@contextmanager
def _one_rebuild_at_a_time(engine: Engine) -> Iterator[None]:
    """Hold the file's rebuild lock exclusive for the block, waiting for another rebuild's end; without it where
    the lock file cannot be opened (said: a rebuild running beside would then double the counts)."""
    path = lock_file_beside(engine.url, REBUILD_LOCK)
    if path is None:
        yield
        return
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        log.warning("cannot open the statistics rebuild lock: run no other `onepoint stats rebuild` meanwhile",
                    extra={"path": str(path), "error": f"{type(exc).__name__}: {exc}"})
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # let go when the descriptor closes, or the process dies
        yield
    finally:
        os.close(descriptor)
