"""When a processed-message store purges its expired records: after a message it recorded, at most every ``every``
seconds, ``batches`` bounded statements at most in one go (the rest soon after), one thread at a time while the
others go on at once. What a statement deletes is the store's own (``hub.store.retention`` for SQLite,
``hub.store.postgres_retention`` for the shared PostgreSQL store)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["DEFAULT_KEEP_SECONDS", "PurgeSchedule"]

DEFAULT_KEEP_SECONDS = 7 * 86_400.0


class PurgeSchedule:
    """Records kept ``keep_seconds``; purged by ``run`` when due (see the module docstring)."""

    def __init__(self, keep_seconds: float = DEFAULT_KEEP_SECONDS, *, every: float = 600.0, batch: int = 2000,
                 batches: int = 5, clock: Callable[[], float] = time.time) -> None:
        if keep_seconds <= 0:
            raise ValueError("processed-message records must be kept for a while")
        self.keep_seconds, self.every, self.batch, self.batches = keep_seconds, every, batch, batches
        self._clock = clock
        self._next = 0.0  # the first purge with the first record written
        self._lock = threading.Lock()

    def run(self, purge_batch: Callable[[float], int]) -> int:
        """If due, ``purge_batch(now)`` (one bounded statement; how many records it deleted) until one deletes less
        than a batch or ``batches`` ran; how many records went."""
        if self._clock() < self._next or not self._lock.acquire(blocking=False):
            return 0
        try:
            now = self._clock()
            self._next = now + self.every  # (also when the purge fails: not tried again with every message)
            purged, full = 0, False
            for _ in range(self.batches):
                deleted = purge_batch(now)
                purged += deleted
                full = deleted >= self.batch
                if not full:
                    break
            if full:
                self._next = now + 1.0  # more left: soon again, between other work
            return purged
        finally:
            self._lock.release()
