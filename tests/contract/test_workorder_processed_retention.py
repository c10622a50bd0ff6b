"""The workflow's processed-message records: copies of an answered request are answered from the record without
holding its id (a recorded answer never changes), and records are purged ``keep_processed_days`` after they were
made, a bounded batch at a time (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, inspect

from hub.workflow.retention import WorkflowRetention
from hub.workflow.store import WorkOrderProcessedStore, WorkOrderStore
from hub.workflow.store.claiming import claimable
from hub.workflow.store.retention import purge_processed
from tests.support.workorder_store import T0, make_row


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def counted(store: WorkOrderStore) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")):
            statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def test_copies_of_an_answered_request_do_not_hold_its_id(open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    """A worker answering a copy from the record (its batch's transaction still open) does not make the other
    workers' copies busy: before, each copy took the id's lock first and the others were deferred (5 s)."""
    first_store = open_workorder_store()
    if first_store.dialect != "postgresql":
        pytest.skip("SQLite: one writer at a time anyway (BEGIN IMMEDIATE), there is no lock per id")
    first, second = WorkOrderProcessedStore(first_store), WorkOrderProcessedStore(open_workorder_store())
    assert first.record("workflow:m-1", "created", reply=b"<answer/>")
    seen: list[tuple[bool, bool, bytes | None]] = []

    def copies_elsewhere() -> None:  # the first batch's transaction is open, its copy of m-1 answered
        [batch] = second.run_claims([("workflow:m-1", lambda: pytest.fail("a duplicate ran"))], lambda: None)
        seen.append((batch.duplicate, batch.busy, batch.reply))
        with second.claim("workflow:m-1") as claim:
            seen.append((claim.duplicate, False, claim.reply))

    results = first.run_claims([("workflow:m-1", lambda: pytest.fail("a duplicate ran")),
                                ("workflow:m-2", lambda: ("done", None))], copies_elsewhere)
    assert [(r.duplicate, r.ran) for r in results] == [(True, False), (False, True)]
    assert seen == [(True, False, b"<answer/>"), (True, False, b"<answer/>")]


def test_an_id_not_recorded_is_still_held(open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    store = open_workorder_store()
    if store.dialect != "postgresql":
        pytest.skip("SQLite: the write lock holds every id")
    other = open_workorder_store()
    with store.engine.connect() as mine, mine.begin():
        assert claimable(mine, ["m-new"]).busy == set()
        with other.engine.connect() as theirs, theirs.begin():
            assert claimable(theirs, ["m-new", "m-other"]).busy == {"m-new"}


def test_a_duplicate_costs_one_statement_a_new_id_no_more_than_before(workorder_store: WorkOrderStore) -> None:
    """The lookup comes first and, on PostgreSQL, takes the hold of the ids it did not find in the same statement:
    a new id costs the two statements the hold and the lookup cost before (SQLite: one), a recorded one one."""
    processed = WorkOrderProcessedStore(workorder_store)
    processed.record("m-old", "created", reply=b"<a/>")
    new_cost = 2 if workorder_store.dialect == "postgresql" else 1
    with workorder_store.engine.connect() as db, db.begin():
        with counted(workorder_store) as statements:
            claims = claimable(db, ["m-old"])
        assert (len(statements), claims.recorded["m-old"].reply, claims.busy) == (1, b"<a/>", set())
        with counted(workorder_store) as statements:
            claims = claimable(db, ["m-new", "m-old", "m-new"])
        assert (len(statements), set(claims.recorded), claims.busy) == (new_cost, {"m-old"}, set())


def test_expired_records_are_purged_in_bounded_batches(open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    clock = Clock(T0)
    store = open_workorder_store(clock=clock)
    processed = WorkOrderProcessedStore(store)
    for n in range(5):
        processed.record(f"m-old-{n}", "created", reply=b"<answer/>" * 100)
    clock.now = T0 + timedelta(days=6)
    with processed.claim("m-recent") as claim:
        claim.complete("created", reply=b"<a/>")
    with counted(store) as statements:
        assert purge_processed(store.engine, T0 + timedelta(days=1), batch=2) == 5
    assert len([s for s in statements if s.lstrip().upper().startswith("DELETE")]) == 3  # 2 + 2 + 1
    assert processed.count() == 1 and processed.outcome("m-recent") == "created"
    assert purge_processed(store.engine, T0 + timedelta(days=1), batch=2) == 0


def test_the_retention_keeps_records_for_its_days_by_the_stores_clock(
        open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    clock = Clock(T0)
    store = open_workorder_store(clock=clock)
    processed = WorkOrderProcessedStore(store)
    with processed.claim("m-1") as claim:
        store.current_transaction().insert_work_order(make_row(1))
        claim.complete("created")
    retention = WorkflowRetention(store, timedelta(days=7))
    clock.now = T0 + timedelta(days=6, hours=23)
    assert retention.run_pass() == 0 and processed.seen("m-1")
    clock.now = T0 + timedelta(days=7, seconds=1)
    assert retention.run_pass() == 1 and not processed.seen("m-1")
    assert store.query().total == 1  # the work order stays: only the record of its message went


def test_the_purge_is_served_by_an_index_on_recorded_at(workorder_store: WorkOrderStore) -> None:
    indexes = inspect(workorder_store.engine).get_indexes("workflow_processed_messages")
    assert {"name": "ix_workflow_processed_recorded", "columns": ["recorded_at"]} in [
        {"name": i["name"], "columns": i["column_names"]} for i in indexes]
