"""The retention of the workflow's processed-message records: ``purge_processed`` deletes those recorded before a
cutoff, ``batch`` rows per statement (``DELETE … WHERE message_id IN (SELECT … WHERE recorded_at < :cutoff LIMIT
n)``, found through ``ix_workflow_processed_recorded``), each statement its own short transaction and a pause
between two, so a worker waits for one batch at most (SQLite's write lock; on PostgreSQL the rows another purge
holds are skipped).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, bindparam, delete, select
from sqlalchemy.sql.dml import Delete

from hub.workflow.store.schema import processed_messages

__all__ = ["PURGE_BATCH", "purge_processed"]

PURGE_BATCH = 2000  # rows per statement: a few ms of a worker's wait on SQLite


@functools.cache
def _purge_statement(batch: int) -> Delete:
    oldest = (select(processed_messages.c.message_id)
              .where(processed_messages.c.recorded_at < bindparam("cutoff"))
              .limit(batch).with_for_update(skip_locked=True))  # FOR UPDATE SKIP LOCKED: PostgreSQL only
    return delete(processed_messages).where(processed_messages.c.message_id.in_(oldest.scalar_subquery()))


def purge_processed(engine: Engine, cutoff: datetime, *, batch: int = PURGE_BATCH,
                    between: Callable[[], bool] = lambda: False) -> int:
    """Delete the records made before ``cutoff``, ``batch`` at a time until none is left; ``between()`` is called
    between two full batches (a pause that lets the workers' transactions in) and stops the purge if true.
    Returns how many went."""
    statement, purged = _purge_statement(batch), 0
    while True:
        with engine.begin() as connection:
            deleted = connection.execute(statement, {"cutoff": cutoff}).rowcount
        purged += max(deleted, 0)
        if deleted < batch or between():
            return purged
