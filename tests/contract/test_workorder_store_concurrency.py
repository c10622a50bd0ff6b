"""Work-order store contract with several processes on one database (two stores = two engines): a message id is
held by one transaction at a time, each due deadline fires once, and the scheduler's query runs on its index."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from hub.store import ClaimBusyError
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.schema import deadlines
from tests.support.workorder_store import T0, make_row

WAIT = 30.0  # seconds before a stuck rendezvous fails a test (never asserted on)


def test_a_message_id_held_by_one_transaction_is_busy_for_another(
    open_workorder_store: Callable[..., WorkOrderStore],
) -> None:
    first, second = open_workorder_store(), open_workorder_store(busy_timeout_ms=50)
    with first.transaction(message_id="m-held") as tx:
        tx.insert_work_order(make_row())
        with pytest.raises(ClaimBusyError):  # PostgreSQL: the id's lock; SQLite: the write lock past its timeout
            second.begin("m-held")
    with second.transaction(message_id="m-held") as again:
        assert again.duplicate
    assert second.query().total == 1


def test_two_schedulers_fire_each_due_deadline_once(open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    setup = open_workorder_store()
    with setup.transaction() as tx:
        for n in range(40):
            work_order_id = tx.insert_work_order(make_row(n))
            tx.replace_deadlines(work_order_id, [("warning", T0 + timedelta(minutes=n)),
                                                 ("reply", T0 + timedelta(minutes=n, seconds=30))])
    now = T0 + timedelta(hours=1)
    overlap = setup.dialect == "postgresql"  # SQLite passes take turns (BEGIN IMMEDIATE): no rendezvous there
    rendezvous = threading.Barrier(2, timeout=WAIT)
    claimed: list[list[int]] = [[], []]
    failures: list[BaseException] = []

    def scheduler(index: int, store: WorkOrderStore) -> None:
        try:
            first = True
            while True:
                with store.claim_due_deadlines(now, limit=7) as due:
                    if first and overlap:  # both hold their first batch at once: SKIP LOCKED gave them others'
                        rendezvous.wait()
                    first = False
                    if not due.deadlines:
                        return
                    for deadline in due.deadlines:
                        claimed[index].append(deadline.id)
                        due.tx.update(deadline.work_order_id, {"escalation_level": deadline.id})
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=scheduler, args=(i, open_workorder_store())) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not failures
    assert not set(claimed[0]) & set(claimed[1])
    assert len(claimed[0]) + len(claimed[1]) == 80
    if overlap:
        assert claimed[0] and claimed[1]
    with setup.engine.connect() as connection:
        open_left = connection.execute(deadlines.select().where(deadlines.c.fired_at.is_(None))).all()
    assert open_left == []


def test_the_due_query_reads_the_partial_index(workorder_store: WorkOrderStore) -> None:
    with workorder_store.transaction() as tx:
        work_order_id = tx.insert_work_order(make_row())
        tx.db.execute(deadlines.insert(), [
            {"work_order_id": work_order_id, "kind": "reply", "due_at": T0 + timedelta(seconds=n),
             "fired_at": None if n % 1000 == 0 else T0 + timedelta(seconds=n)}
            for n in range(20_000)
        ])
    if workorder_store.dialect == "postgresql":
        with workorder_store.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE deadlines")
            connection.commit()
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM deadlines" in statement and statement.lstrip().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(workorder_store.engine, "before_cursor_execute", capture)
    try:
        with workorder_store.claim_due_deadlines(T0 + timedelta(hours=1), limit=5) as due:
            assert len(due.deadlines) == 4  # 0, 1000, 2000, 3000 s are open and due
            due.release(due.deadlines[0])
    finally:
        event.remove(workorder_store.engine, "before_cursor_execute", capture)
    [(statement, parameters)] = captured
    explain = "EXPLAIN " if workorder_store.dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    raw = workorder_store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(explain + statement, parameters)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    finally:
        raw.close()
    assert "ix_deadlines_open_due" in plan, plan
