"""The OA items the hub closed: the to-dos it completed (``oa.CompleteTodo`` from the hub) and the work orders'
to-reads it withdrew (``oa.WithdrawToRead``), item id and when, so that a push of one of them that comes later (a
PushTodo or PushToRead retried through a delay tier after OA answered 503, a redelivery, a dead letter replayed) does
not open it again in OA, where nothing would close or withdraw it any more (the hub's history says closed). One
record holds both: a to-do's item id (``<work order>-esc<n>-0``, ``<work order>-dsp<n>``) never reads as a to-read's
(``<work order>-rem<n>-<step>``), nor as an outage notice's to-read (``toread-<notice>-<user>``: never recorded, the
clearance is news). The on-disk names are kept from when it held to-dos only (table ``oa_closed_todos``, column
``closed_at``; PostgreSQL's ``onepoint_oa_closed_todos``), so a record kept before reads as it was. Below, "the
close" is either the hub's CompleteTodo or its WithdrawToRead, "the push" PushTodo or a work order's PushToRead.

**The protocol** (``adapters.oa.handlers``). The close (C): C1 record the item, committed; C2 ask OA to close it
(``already-closed``/``unknown-item``: nothing to close). The push (P): P1 read the record; if recorded, push
nothing and Q: ask OA to close the item (MessageId derived from the push's), in case an earlier attempt's push
landed unseen; else P2 push (it lands in OA at some moment L), P3 read the record again and, if recorded, P4 close
the item in OA at once (as Q). A failed step fails the handler, retried like any (in process, delay tiers).

**Every interleaving** (threads of one worker, or workers sharing the record):

1. C1 before P1: P pushes nothing; Q closes what an earlier attempt of P put in OA, or OA answers
   ``unknown-item`` (never there). OA: closed, or never had it.
2. P1 before C1 (P found it not closed), and the push lands before C2 reaches OA: C2 closes it. (P3 may see the
   record too: P4 is answered as already closed, nothing to close.)
3. P1 before C1, and C2 reaches OA before the push lands (the audit's order: the push waited in a delay tier; or
   another thread or worker handled the close while the push was on its way): C2 is answered ``unknown-item``; but
   C1 < C2 < L < P3, so P3 finds the record and P4 closes the to-do the push just opened.
4. As 3, but the push's answer is lost (a time-out, the worker stopped): the attempt fails, P comes again (retry,
   redelivery), and its P1 comes after C1: case 1, Q closes the to-do that landed unseen.
5. Redeliveries. C again: its record rewritten (its time renewed), OA answers already closed. P again, after the
   close: case 1. P again, no close yet: pushed again (OA: DUPLICATE by MessageId, or the open item replaced), then
   P3. P4 or Q failing: P retried, then case 1. Two copies of P at once: the second push of one MessageId is
   answered DUPLICATE and changes nothing, each copy's P3/Q as above. A push of the item under another MessageId:
   cases 1-4 again, its own close's MessageId.

Why it holds: take the last push that changes the item in OA, landing at L. If none lands after C2 reaches OA, C2
(after every push) closed it or found it closed or absent. Else L is after C2, so after C1: the run of that push
either reads the record after L (P3) and closes it (P4), or fails first and its retry reads it (P1) and closes it
(Q); nothing opens it after that. Not covered: a push OA takes after the adapter gave up on it (still on the wire
past its time-out) and after the retry's close; a push delayed past the record's retention (7 days, as long as
the processed stores remember a message); a close OA refuses otherwise (dead-lettered, with its reason). An item id
never names another item after the hub closed it (escalation levels only rise, ``-dsp<n>`` counts the dispatches,
a to-read's step is a deadline row's id or a count), so a record stops only late copies of the item it closed.

Three kinds, one behaviour:

* ``ClosedItemsFile``: the OA worker's without a shared database, table ``oa_closed_todos`` in the file of the
  notice book (``onepoint-oa-notices.db`` beside the bulletin's, ``adapters.oa.wiring``), per topology prefix (one
  file may serve several hubs side by side), shared by every OA worker process and thread of that machine and kept
  over restarts. Each ``record`` is its own committed transaction (autocommit, WAL): once it returns, every other
  connection's next read sees it;
* ``PostgresClosedItems`` (``adapters.oa.closed_items_postgres``): the OA worker's when the deployment shares its
  processed-message records in PostgreSQL (``[workers] processed_store``): the same record in that database, so the
  workers of every hub and machine share it (with a file per machine, a close handled by the other hub's worker
  was never seen by the push);
* ``MemoryClosedItems``: this process's memory (a worker built by hand, the unit tests).

A record is kept ``keep_seconds`` after it was last written: 7 days by default, as the processed-message stores
keep their records (``hub.store.retention``), far past the delay tiers (minutes) a push can wait in. Each
``record`` then deletes at most ``prune_batch`` (64) records older than that, oldest first (an index on the time):
every close adds one record and may take up to 64 expired ones, so the table holds about the last 7 days' closes
and no statement is ever long. A record is written whole or not at all; one that cannot be written (the file
busy past its timeout) fails the CompleteTodo, retried before OA is asked to close anything.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from hub.store.retention import DEFAULT_KEEP_SECONDS

__all__ = ["DEFAULT_KEEP_SECONDS", "PRUNE_BATCH", "ClosedItems", "ClosedItemsFile", "MemoryClosedItems",
           "check_retention"]

PRUNE_BATCH = 64
log = logging.getLogger("onepoint.adapters.oa")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS oa_closed_todos (prefix TEXT NOT NULL, item_id TEXT NOT NULL, "
    "closed_at REAL NOT NULL, PRIMARY KEY (prefix, item_id))",
    "CREATE INDEX IF NOT EXISTS ix_oa_closed_todos_closed_at ON oa_closed_todos (prefix, closed_at)",
)
_RECORD = ("INSERT INTO oa_closed_todos (prefix, item_id, closed_at) VALUES (?, ?, ?) "
           "ON CONFLICT (prefix, item_id) DO UPDATE SET closed_at = max(closed_at, excluded.closed_at)")
_PRUNE = ("DELETE FROM oa_closed_todos WHERE rowid IN (SELECT rowid FROM oa_closed_todos "
          "WHERE prefix = ? AND closed_at < ? ORDER BY closed_at LIMIT ?)")


class ClosedItems(Protocol):
    """The to-dos the hub closed and the to-reads it withdrew (thread-safe)."""

    def record(self, item_id: str) -> None:
        """The hub closed ``item_id`` (now); committed when this returns."""

    def is_closed(self, item_id: str) -> bool:
        """Did the hub close ``item_id`` (within the retention)?"""

    def __len__(self) -> int:
        """How many records are kept (expired ones not pruned yet included)."""

    def close(self) -> None: ...


def check_retention(keep_seconds: float, prune_batch: int) -> None:
    """Refuse a retention or a prune batch that would keep nothing or prune nothing (every kind checks it)."""
    if keep_seconds <= 0 or prune_batch < 1:
        raise ValueError("closed items must be kept for a while and pruned at least one at a time")


class MemoryClosedItems:
    """The record in this process's memory, with the file's retention and pruning."""

    def __init__(self, *, keep_seconds: float = DEFAULT_KEEP_SECONDS, prune_batch: int = PRUNE_BATCH,
                 clock: Callable[[], float] = time.time) -> None:
        check_retention(keep_seconds, prune_batch)
        self.keep_seconds, self.prune_batch, self._clock = keep_seconds, prune_batch, clock
        self._lock = threading.Lock()
        self._closed: OrderedDict[str, float] = OrderedDict()  # item id -> closed at, oldest first

    def record(self, item_id: str) -> None:
        now = self._clock()
        with self._lock:
            self._closed[item_id] = max(now, self._closed.get(item_id, now))
            self._closed.move_to_end(item_id)
            for _ in range(self.prune_batch):
                oldest = next(iter(self._closed.items()), None)
                if oldest is None or oldest[1] >= now - self.keep_seconds:
                    break
                del self._closed[oldest[0]]

    def is_closed(self, item_id: str) -> bool:
        with self._lock:
            closed_at = self._closed.get(item_id)
        return closed_at is not None and closed_at >= self._clock() - self.keep_seconds

    def __len__(self) -> int:
        with self._lock:
            return len(self._closed)

    def close(self) -> None:
        with self._lock:
            self._closed.clear()


class ClosedItemsFile:
    """The record in an SQLite file shared by the OA worker processes (table ``oa_closed_todos``)."""

    def __init__(self, path: str | Path, *, prefix: str = "onepoint", keep_seconds: float = DEFAULT_KEEP_SECONDS,
                 prune_batch: int = PRUNE_BATCH, busy_timeout_ms: int = 10_000,
                 clock: Callable[[], float] = time.time) -> None:
        check_retention(keep_seconds, prune_batch)
        self.path, self.prefix = Path(path), prefix
        self.keep_seconds, self.prune_batch, self._clock = keep_seconds, prune_batch, clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        for statement in _SCHEMA:
            self._db.execute(statement)

    def record(self, item_id: str) -> None:
        now = self._clock()
        with self._lock:
            self._db.execute(_RECORD, (self.prefix, item_id, now))  # autocommit: committed here
            try:
                self._db.execute(_PRUNE, (self.prefix, now - self.keep_seconds, self.prune_batch))
            except sqlite3.Error as exc:  # the record is written; the expired ones go with the next one
                log.warning("closed items: pruning failed; tried again with the next one",
                            extra={"path": str(self.path), "error": str(exc)})

    def is_closed(self, item_id: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT closed_at FROM oa_closed_todos WHERE prefix = ? AND item_id = ?",
                                   (self.prefix, item_id)).fetchone()
        return row is not None and float(row[0]) >= self._clock() - self.keep_seconds

    def __len__(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM oa_closed_todos WHERE prefix = ?", (self.prefix,)).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
