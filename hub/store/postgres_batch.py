"""A batch of messages in one transaction of the PostgreSQL processed store (``PostgresProcessedStore.run_batch``).

The new ids' claims are inserted and the others locked with ``FOR UPDATE SKIP LOCKED`` (one held by another
transaction is busy), both in the ids' sorted order whatever the batch's (its effects run in the batch's order), the
outcomes written, one commit. A claim of one of its new ids by another worker meanwhile waits for that commit
(PostgreSQL's insert on a key being inserted), then finds the record: the batch's effects must be local and short.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from hub.store.base import BatchOutcome
from hub.store.postgres_rows import CHUNK, held, look_row, of_consumer
from hub.store.postgres_schema import PROCESSED as T

__all__ = ["run_batch"]


def run_batch(db: Connection, consumer: str, owner: str,
              items: Sequence[tuple[str, Callable[[], str]]]) -> list[BatchOutcome]:
    """Run each ``(message id, effect)`` of ``consumer`` unless its id was processed or is held, in ``db``'s
    transaction, and write the outcomes (``owner``: this process, as the claims name it)."""
    ids = list(dict.fromkeys(message_id for message_id, _ in items))
    results: list[BatchOutcome] = []
    fresh = _claim_new(db, consumer, owner, ids)
    rows = _lock_known(db, consumer, [message_id for message_id in ids if message_id not in fresh])
    finished: dict[str, str] = {}
    for message_id, effect in items:
        row = rows.get(message_id)
        if message_id in finished:  # the same id again in this batch
            results.append(BatchOutcome(message_id, duplicate=True, outcome=finished[message_id]))
        elif row is not None and row.state == "done":
            results.append(BatchOutcome(message_id, duplicate=True, outcome=str(row.outcome)))
        elif message_id not in fresh and (row is None or held(row)):
            results.append(BatchOutcome(message_id, busy=True))  # held by another worker or transaction
        else:
            try:
                finished[message_id] = effect()
            except Exception as exc:
                results.append(BatchOutcome(message_id, error=exc))
                continue
            results.append(BatchOutcome(message_id, ran=True, outcome=finished[message_id]))
    _write_batch(db, consumer, owner, finished, fresh - set(finished))
    return results


def _claim_new(db: Connection, consumer: str, owner: str, ids: list[str]) -> set[str]:
    """Insert the claims of the ids never seen, in sorted order: two batches of the same new ids in other orders
    wait for one another (the second finds the first's records) instead of deadlocking."""
    fresh: set[str] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        values = [{"consumer": consumer, "message_id": message_id, "state": "claimed", "lease_until": None,
                   "updated_at": sa.func.now(), "owner": owner}
                  for message_id in ordered[start:start + CHUNK]]
        inserted = pg_insert(T).values(values).on_conflict_do_nothing().returning(T.c.message_id)
        fresh.update(str(found) for found in db.execute(inserted).scalars())
    return fresh


def _lock_known(db: Connection, consumer: str, ids: list[str]) -> dict[str, Any]:
    """The rows of ``ids`` this transaction could lock (a row another transaction holds is left out), locked in
    sorted order as the new ids are inserted."""
    rows: dict[str, Any] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        query = (look_row(of_consumer(consumer), T.c.message_id)
                 .where(T.c.message_id.in_(ordered[start:start + CHUNK])).order_by(T.c.message_id))
        for row in db.execute(query.with_for_update(skip_locked=True)):
            rows[str(row.message_id)] = row
    return rows


def _write_batch(db: Connection, consumer: str, owner: str, finished: dict[str, str], released: set[str]) -> None:
    if finished:
        db.execute(
            T.update()
            .where(T.c.consumer == consumer, T.c.message_id == sa.bindparam("b_message_id"))
            .values(state="done", outcome=sa.bindparam("b_outcome"), reply=None, lease_until=None,
                    updated_at=sa.func.now(), owner=owner),
            [{"b_message_id": message_id, "b_outcome": outcome} for message_id, outcome in finished.items()],
        )
    if released:  # new ids whose effect raised: nothing recorded
        db.execute(T.delete().where(of_consumer(consumer), T.c.message_id.in_(sorted(released))))
