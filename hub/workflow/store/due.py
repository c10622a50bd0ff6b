"""The scheduler's side of the store: claim the deadlines that are due, act on them, mark them fired — together.

``WorkOrderStore.claim_due_deadlines(now, limit)`` (``take_due`` … ``mark_fired`` in one transaction)::

    with store.claim_due_deadlines(now, limit=100) as due:
        for deadline in due.deadlines:
            escalate(due.tx, deadline)          # the effect, in the same transaction (also store.current_transaction())
    # committed here: the effects and fired_at = now of every claimed deadline (unless released)

The query is ``WHERE fired_at IS NULL AND due_at <= now ORDER BY due_at LIMIT n`` on the partial index
``ix_deadlines_open_due`` (``due_at`` of the deadlines not yet fired), so a pass reads the due rows only, however
many work orders are open or how many deadlines fired before. On PostgreSQL it takes the rows' work orders and then
the rows ``FOR UPDATE OF work_orders, deadlines SKIP LOCKED``: the one lock order of every writer (an action locks
its work order, then replaces its deadline rows), so a pass never waits for an action or another pass and never
deadlocks with one; a due row whose work order another transaction holds is skipped and comes back on a later pass,
and a second hub process running the same pass at the same moment takes the next ones, so each deadline fires
once. On SQLite the ``BEGIN IMMEDIATE`` write lock makes passes take turns. An exception inside the block rolls
everything back: the deadlines stay due and come back on the next pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, insert, select, tuple_, update

from hub.workflow.store.records import DueDeadline
from hub.workflow.store.schema import deadlines, work_orders
from hub.workflow.store.transaction import WorkOrderTransaction

__all__ = ["DueBatch", "due_query", "mark_fired", "record_fired", "take_due"]


@dataclass
class DueBatch:
    """The claimed deadlines and the transaction their effects use."""

    tx: WorkOrderTransaction
    deadlines: list[DueDeadline]
    released: set[int] = field(default_factory=set)

    def release(self, deadline: DueDeadline) -> None:
        """Leave ``deadline`` unfired (it stays due and is claimed again by a later pass)."""
        self.released.add(deadline.id)


def due_query(now: datetime, limit: int) -> Select[int, str, str, datetime]:
    """The due deadlines, oldest first, each locked after its work order (``OF work_orders, deadlines``: that
    order, as every action takes them), skipping rows whose work order or row another transaction holds."""
    return (
        select(deadlines.c.id, deadlines.c.work_order_id, deadlines.c.kind, deadlines.c.due_at)
        .join(work_orders, work_orders.c.id == deadlines.c.work_order_id)
        .where(deadlines.c.fired_at.is_(None), deadlines.c.due_at <= now)
        .order_by(deadlines.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=[work_orders, deadlines])
    )


def take_due(tx: WorkOrderTransaction, now: datetime, limit: int) -> DueBatch:
    """Lock and read the due deadlines in ``tx``."""
    rows = tx.db.execute(due_query(now, limit)).all()
    return DueBatch(tx, [DueDeadline(int(r[0]), str(r[1]), str(r[2]), r[3]) for r in rows])


def mark_fired(batch: DueBatch, now: datetime) -> int:
    """Mark the batch's deadlines (but the released ones) fired at ``now``, in its transaction; returns how many
    were still there unfired. A row fired or replaced meanwhile is left as it is: a row is matched by its id and
    kind and must still be due (SQLite gives a deleted row's id to the next one inserted)."""
    fired, marked = [(d.id, d.kind) for d in batch.deadlines if d.id not in batch.released], 0
    for start in range(0, len(fired), 500):
        marked += batch.tx.db.execute(update(deadlines).where(
            tuple_(deadlines.c.id, deadlines.c.kind).in_(fired[start:start + 500]), deadlines.c.fired_at.is_(None),
            deadlines.c.due_at <= now).values(fired_at=now)).rowcount
    return marked


def record_fired(tx: WorkOrderTransaction, work_order_id: str, rows: list[tuple[str, datetime]],
                 now: datetime) -> None:
    """Record ``rows`` (kind, due time) of the work order as fired at ``now`` without firing them: the levels of a
    breach the scheduler passed over, their due times gone by while no pass ran (the hub was down), so they are
    not scheduled again."""
    if rows:
        tx.db.execute(insert(deadlines), [{"work_order_id": work_order_id, "kind": kind, "due_at": due_at,
                                           "fired_at": now} for kind, due_at in rows])
