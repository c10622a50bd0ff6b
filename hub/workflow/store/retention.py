"""The retention of the work-order database's per-message and per-event rows, in bounded batches: each batch one
short transaction and a pause between two, so a worker or the publisher waits for one batch at most (SQLite's
write lock; on PostgreSQL row locks), and a first pass over a big table holds no long write lock.

* ``purge_processed``: the workflow's processed-message records made before a cutoff, ``batch`` rows per statement
  (``DELETE … WHERE message_id IN (SELECT … WHERE recorded_at < :cutoff LIMIT n)``, found through
  ``ix_workflow_processed_recorded``; on PostgreSQL the rows another purge holds are skipped).
* ``purge_events``: the listeners' outbox, ``work_order_events``: the events published before a cutoff. A batch
  reads the next ``batch`` positions of the outbox in order (the primary key) and deletes, by a position range,
  those of them published before the cutoff; the pass ends at the first batch with none (the young end of the
  outbox). Never deleted: an unpublished event, an event after the cursor of a served listener (one not parked:
  the listeners' rows are read ``FOR SHARE``, so a resume, ``outbox.resume_listener``, waits for the batch or the
  batch for it) and, on PostgreSQL, the newest event written before ``young`` and every event after it: what a
  new listener's start reads to find the holes of changes still committing (``outbox._start``) and what a hole
  younger than ``listener_gap_seconds`` still needs. Several processes purging at once delete each range once
  (the second waits for the first's rows, then finds them gone).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, bindparam, delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Delete

from hub.workflow.store.schema import event_listeners, processed_messages, work_order_events

__all__ = ["PURGE_BATCH", "purge_events", "purge_processed"]

PURGE_BATCH = 2000  # rows per statement: a few ms of a worker's wait on SQLite

_ev, _li = work_order_events.c, event_listeners.c


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


def purge_events(engine: Engine, cutoff: datetime, young: datetime, *, batch: int = PURGE_BATCH,
                 between: Callable[[], bool] = lambda: False) -> int:
    """Delete the outbox's events published before ``cutoff`` that no served listener still needs (PostgreSQL: nor
    the newest one written before ``young``, nor those after it), a batch of positions at a time; ``between()``
    as for ``purge_processed``. Returns how many went."""
    purged, after = 0, 0
    while True:
        with engine.begin() as connection:
            deleted, found, after, full = _purge_event_batch(connection, cutoff, young, after, batch)
        purged += deleted
        if not full or not found or between():
            return purged


def _deletable_through(connection: Connection, young: datetime) -> int | None:
    """The last position this batch may delete (None: no bound): not after a served listener's cursor; on
    PostgreSQL before the newest event written before ``young`` (-1 without one: nothing)."""
    rows = connection.execute(select(_li.delivered_position, _li.suspended_at).with_for_update(read=True)).all()
    bounds = [int(position) for position, parked in rows if parked is None]
    if connection.dialect.name == "postgresql":
        anchor = connection.execute(select(_ev.position).where(_ev.created_at < young)
                                    .order_by(_ev.position.desc()).limit(1)).scalar_one_or_none()
        bounds.append(-1 if anchor is None else int(anchor) - 1)
    return min(bounds, default=None)


def _purge_event_batch(connection: Connection, cutoff: datetime, young: datetime, after: int,
                       batch: int) -> tuple[int, int, int, bool]:
    """The ``batch`` positions after ``after`` (up to the bound), those published before ``cutoff`` deleted.
    Returns (deleted, how many of them were old enough, the last position read, whether the batch was full)."""
    through = _deletable_through(connection, young)
    window = select(_ev.position, (_ev.published_at < cutoff).label("old")).where(_ev.position > after)
    if through is not None:
        window = window.where(_ev.position <= through)
    rows = connection.execute(window.order_by(_ev.position).limit(batch)).all()
    old = [int(position) for position, expired in rows if expired]
    last = int(rows[-1][0]) if rows else after
    if not old:
        return 0, 0, last, len(rows) == batch
    deleted = connection.execute(delete(work_order_events).where(
        _ev.position >= old[0], _ev.position <= old[-1], _ev.published_at < cutoff)).rowcount
    return max(deleted, 0), len(old), last, len(rows) == batch
