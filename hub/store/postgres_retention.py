"""The retention of the shared PostgreSQL processed-message store: the same keep period as the SQLite store's
(``hub.store.retention``, 7 days by default), so a worker moved to the shared store keeps its records as long.

Each consumer's store purges its own records (``consumer``, ``updated_at`` index) after a message it recorded, at most
every ``every`` seconds: ``batch`` rows per statement, each statement its own short transaction, at most ``batches``
of them in one go (the rest soon after). The rows to delete are taken ``FOR UPDATE SKIP LOCKED``, so workers of one
consumer purging at once on several machines never wait for one another, and a row a claim is being written to is
left for the next purge. A claim is deleted only once its lease has ended too. The age is the database server's
(``now()``), as are the records' times; ``clock`` only says when the next purge is due.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.store.base import BatchOutcome, Recorded
from hub.store.postgres import PostgresProcessedStore
from hub.store.postgres_schema import PROCESSED as T
from hub.store.purge_schedule import DEFAULT_KEEP_SECONDS, PurgeSchedule

__all__ = ["PostgresRetention", "RetainingPostgresStore", "purge_expired"]

log = logging.getLogger("onepoint.store")


def purge_expired(engine: Engine, consumer: str, keep_seconds: float, *, batch: int) -> int:
    """One bounded purge statement of ``consumer``'s records (its own transaction); how many records went."""
    now = sa.func.now()
    expired = (
        sa.select(T.c.message_id)
        .where(T.c.consumer == consumer,
               T.c.updated_at < now - sa.literal(timedelta(seconds=keep_seconds), sa.Interval),
               sa.or_(T.c.state == "done", T.c.lease_until.is_(None), T.c.lease_until < now))
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    with engine.begin() as db:
        deleted = db.execute(T.delete().where(T.c.consumer == consumer, T.c.message_id.in_(expired.scalar_subquery())))
    return max(int(deleted.rowcount or 0), 0)


class PostgresRetention(PurgeSchedule):
    """When a store's records are purged, and the purge (see the module docstring)."""

    def __init__(self, keep_seconds: float = DEFAULT_KEEP_SECONDS, *, every: float = 600.0, batch: int = 2000,
                 batches: int = 5, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(keep_seconds, every=every, batch=batch, batches=batches, clock=clock)

    def tick(self, engine: Engine, consumer: str) -> int:
        """Purge if due (one thread at a time; the others go on at once); how many records went."""
        return self.run(lambda _now: purge_expired(engine, consumer, self.keep_seconds, batch=self.batch))


class RetainingPostgresStore(PostgresProcessedStore):
    """``PostgresProcessedStore`` whose records are deleted ``retention.keep_seconds`` after they were written."""

    def __init__(self, engine: Engine, consumer: str, *, retention: PostgresRetention | None = None,
                 **options: Any) -> None:
        super().__init__(engine, consumer, **options)
        self.retention = retention or PostgresRetention()

    def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> Recorded | None:
        recorded = super()._finish(message_id, outcome, reply)
        if outcome is not None:
            self._purge()
        return recorded

    def run_batch(self, items: Sequence[tuple[str, Callable[[], str]]]) -> list[BatchOutcome]:
        results = super().run_batch(items)
        self._purge()
        return results

    def _purge(self) -> None:
        """The purge if due; a purge that fails (the database unreachable a moment) is tried again next time, never
        taken for a failure of the message just recorded."""
        try:
            self.retention.tick(self.engine, self.consumer)
        except sa.exc.SQLAlchemyError as exc:
            log.warning("processed-message purge failed; tried again later",
                        extra={"consumer": self.consumer, "error": type(exc).__name__})
