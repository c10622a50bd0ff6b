"""``PostgresClosedItems``: the to-dos the hub closed and to-reads it withdrew (``adapters.oa.closed_items``, where
the protocol and every interleaving are worked through) in the PostgreSQL database the deployment's workers share
their processed-message records in (``[workers] processed_store``, ``adapters.oa.wiring``). The protocol's case 3
(the close handled by another worker while the push was on its way) holds only if the push's worker reads the record
the closing worker wrote; with a SQLite file per machine, a close handled by the other hub's OA worker was never
seen, and the to-do the late push opened stayed open in OA for good.

Table ``onepoint_oa_closed_todos`` (``adapters.oa.postgres_records``), per topology prefix. Each ``record`` is one
autocommit upsert, committed when it returns, so every worker's next read (on any machine) sees it; then at most
``prune_batch`` records older than ``keep_seconds`` are deleted, oldest first, rows another worker is pruning
skipped (``FOR UPDATE SKIP LOCKED``). A record that cannot be written (the database unreachable) fails the
CompleteTodo, retried before OA is asked to close anything; a failed prune is left for the next record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import SQLAlchemyError

from adapters.oa.closed_items import PRUNE_BATCH, check_retention
from adapters.oa.postgres_records import CLOSED_TODOS as T
from adapters.oa.postgres_records import open_engine
from hub.store.retention import DEFAULT_KEEP_SECONDS

__all__ = ["PostgresClosedItems"]

log = logging.getLogger("onepoint.adapters.oa")


class PostgresClosedItems:
    """The record in the shared PostgreSQL database at ``url``, under ``prefix``; thread-safe (a connection
    pool)."""

    def __init__(self, url: str, *, prefix: str = "onepoint", keep_seconds: float = DEFAULT_KEEP_SECONDS,
                 prune_batch: int = PRUNE_BATCH, clock: Callable[[], float] = time.time) -> None:
        check_retention(keep_seconds, prune_batch)
        self.prefix = prefix
        self.keep_seconds, self.prune_batch, self._clock = keep_seconds, prune_batch, clock
        self.engine = open_engine(url)
        self._auto = self.engine.execution_options(isolation_level="AUTOCOMMIT")  # one statement, one transaction

    def _mine(self) -> sa.ColumnElement[bool]:
        return T.c.prefix == self.prefix

    def record(self, item_id: str) -> None:
        now = self._clock()
        statement = pg_insert(T).values(prefix=self.prefix, item_id=item_id, closed_at=now)
        renewed = statement.on_conflict_do_update(index_elements=["prefix", "item_id"], set_={
            "closed_at": sa.func.greatest(T.c.closed_at, statement.excluded.closed_at)})
        expired = (sa.select(T.c.item_id).where(self._mine(), T.c.closed_at < now - self.keep_seconds)
                   .order_by(T.c.closed_at).limit(self.prune_batch).with_for_update(skip_locked=True))
        with self._auto.connect() as db:
            db.execute(renewed)  # committed here
            try:
                db.execute(sa.delete(T).where(self._mine(), T.c.item_id.in_(expired)))
            except SQLAlchemyError as exc:  # the record is written; the expired ones go with the next one
                log.warning("closed items: pruning failed; tried again with the next one",
                            extra={"error": type(exc).__name__})

    def is_closed(self, item_id: str) -> bool:
        with self._auto.connect() as db:
            closed_at = db.execute(sa.select(T.c.closed_at).where(self._mine(), T.c.item_id == item_id)).scalar()
        return closed_at is not None and float(closed_at) >= self._clock() - self.keep_seconds

    def __len__(self) -> int:
        with self._auto.connect() as db:
            return int(db.execute(sa.select(sa.func.count()).select_from(T).where(self._mine())).scalar_one())

    def close(self) -> None:
        self.engine.dispose()
