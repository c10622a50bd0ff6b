"""The listeners' outbox is purged (``[workflow] keep_events_days``): an event published longer ago than that goes,
a bounded batch at a time, unless a served listener has not passed it; an unpublished one stays; a parked listener
holds nothing back and, resumed, goes on from the oldest event kept (SQLite and PostgreSQL; on PostgreSQL the
newest event written before the listeners' in-flight window stays as well, for a new listener's start)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select, text, update

from hub.workflow.retention import WorkflowRetention
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import upgrade
from hub.workflow.store.outbox import resume_listener, suspend_listener
from hub.workflow.store.retention import purge_events
from hub.workflow.store.schema import event_listeners, work_order_events
from hub.workflow.turns import Holes
from tests.support.workorder_store import T0, make_row

KEEP = timedelta(days=7)
NOW = T0 + timedelta(days=30)
OLD = T0  # written and published 30 days before NOW
YOUNG = NOW - timedelta(seconds=60)  # the in-flight window: events written after it are young


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _write(store: WorkOrderStore, count: int, at: datetime, *, published: bool = True) -> list[int]:
    """``count`` events of a new work order written at ``at`` (published a second later); their positions."""
    with store.transaction() as tx:
        work_order = tx.insert_work_order(make_row(count))
        for n in range(count):
            tx.add_event(work_order, "TroubleTicketStatusChangeEvent", f'{{"n": {n}}}', at=at)
    positions = [e.position for e in store.events_after(0, 10_000)][-count:]
    if published:
        store.mark_published_through(positions[-1], at + timedelta(seconds=1))
    return positions


def _positions(store: WorkOrderStore) -> list[int]:
    return [e.position for e in store.events_after(0, 10_000)]


def _listener(store: WorkOrderStore, cursor: int, *, parked: bool = False) -> str:
    added = store.add_listener(f"http://127.0.0.1:9/{cursor}-{parked}", None, OLD)
    with store.engine.begin() as connection:
        connection.execute(update(event_listeners).where(event_listeners.c.id == added.id)
                           .values(delivered_position=cursor))
        if parked:
            suspend_listener(connection, added.id, OLD, "HTTP 410")
    return added.id


def _purge(store: WorkOrderStore, **options: int) -> int:
    return purge_events(store.engine, NOW - KEEP, YOUNG, **options)


def test_old_published_events_go_and_unpublished_ones_stay_with_no_listener(workorder_store: WorkOrderStore) -> None:
    published = _write(workorder_store, 4, OLD)
    waiting = _write(workorder_store, 2, OLD, published=False)
    recent = _write(workorder_store, 2, NOW - timedelta(days=6))
    assert _purge(workorder_store) == 4
    assert _positions(workorder_store) == waiting + recent
    assert published[-1] < waiting[0]


def test_with_no_listener_every_old_published_event_goes(workorder_store: WorkOrderStore) -> None:
    """SQLite: all of them, and a position is never handed out again (AUTOINCREMENT, 0012); PostgreSQL: all but
    the newest written before the in-flight window (what a new listener's start reads)."""
    written = _write(workorder_store, 5, OLD)
    assert _purge(workorder_store) == (4 if workorder_store.dialect == "postgresql" else 5)
    assert _positions(workorder_store) == (written[-1:] if workorder_store.dialect == "postgresql" else [])
    later = _write(workorder_store, 1, NOW, published=False)
    assert later[0] > written[-1]


def test_a_served_listener_holds_the_events_it_has_not_passed(workorder_store: WorkOrderStore) -> None:
    written = _write(workorder_store, 6, OLD)  # published (a listener resumed since has not passed them all)
    _listener(workorder_store, written[5])
    _listener(workorder_store, written[2])
    _write(workorder_store, 1, NOW, published=False)
    assert _purge(workorder_store) == 3
    assert _positions(workorder_store)[:3] == written[3:]


def test_a_parked_listener_holds_nothing_back_and_resumes_from_the_oldest_kept(
        workorder_store: WorkOrderStore) -> None:
    written = _write(workorder_store, 5, OLD)
    parked = _listener(workorder_store, written[0], parked=True)
    young = _write(workorder_store, 2, NOW, published=False)
    purged = _purge(workorder_store)
    kept = _positions(workorder_store)
    assert kept == ([written[-1], *young] if workorder_store.dialect == "postgresql" else young)
    assert purged == len(written) - (len(kept) - len(young))
    with workorder_store.engine.begin() as connection:
        resumed = resume_listener(connection, parked)
        assert resume_listener(connection, parked) is None  # served now: nothing to resume
    assert resumed is not None and resumed.parked_at_position == written[0]
    assert resumed.position == kept[0] - 1 and resumed.skipped == kept[0] - 1 - written[0]
    listener = workorder_store.listener(parked)
    assert listener is not None and listener.suspended_at is None and listener.delivered_position == kept[0] - 1
    # the publisher reads on from there at once: no hole to wait for between its cursor and the oldest kept
    ready = Holes(timedelta(seconds=60)).contiguous(listener.delivered_position,
                                                   workorder_store.events_after(listener.delivered_position), NOW)
    assert [e.position for e in ready] == kept
    assert _purge(workorder_store) == 0  # served again: it holds what it has not passed


def test_a_listener_parked_in_the_keep_period_resumes_at_its_cursor(workorder_store: WorkOrderStore) -> None:
    written = _write(workorder_store, 3, NOW - timedelta(days=2))
    parked = _listener(workorder_store, written[0], parked=True)
    assert _purge(workorder_store) == 0
    with workorder_store.engine.begin() as connection:
        resumed = resume_listener(connection, parked)
    assert resumed is not None and resumed.skipped == 0 and resumed.position == written[0]


def test_a_listener_parked_over_an_outbox_purged_empty_resumes_after_its_last_position(
        open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    store = open_workorder_store()
    if store.dialect == "postgresql":
        pytest.skip("PostgreSQL keeps the newest event written before the in-flight window: never empty")
    written = _write(store, 4, OLD)
    parked = _listener(store, written[1], parked=True)
    assert _purge(store) == 4 and _positions(store) == []
    with store.engine.begin() as connection:
        resumed = resume_listener(connection, parked)
    assert resumed is not None and (resumed.position, resumed.skipped) == (written[-1], 2)
    newcomer = store.add_listener("http://127.0.0.1:9/new", None, NOW)
    assert newcomer.delivered_position == written[-1]  # the end of the outbox: the last position written
    later = _write(store, 1, NOW, published=False)
    ready = Holes(timedelta(seconds=60)).contiguous(newcomer.delivered_position, store.events_after(written[-1]), NOW)
    assert [e.position for e in ready] == later == [written[-1] + 1]  # at once: no hole before it


def test_a_resume_and_a_purge_batch_at_once_wait_for_one_another(
        open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    """PostgreSQL: a purge batch reads the listeners' rows FOR SHARE, so one that starts while a resume is not
    committed yet waits for it and counts the listener as served (its snapshot alone would have it parked)."""
    store = open_workorder_store()
    if store.dialect != "postgresql":
        pytest.skip("SQLite: BEGIN IMMEDIATE serializes the resume and the purge")
    written = _write(store, 5, OLD)
    parked = _listener(store, written[0], parked=True)
    _write(store, 1, NOW, published=False)
    with store.engine.connect() as connection, ThreadPoolExecutor(1) as pool:
        transaction = connection.begin()
        resumed = resume_listener(connection, parked)
        assert resumed is not None and resumed.skipped == 0  # nothing purged yet
        purge = pool.submit(_purge, open_workorder_store())
        time.sleep(0.5)
        assert not purge.done()  # waits for the resume's transaction
        transaction.commit()
        assert purge.result(timeout=30) == 1  # served at its cursor: only the event it had passed goes
    assert _positions(store)[:4] == written[1:]


def test_the_purge_goes_in_bounded_batches(workorder_store: WorkOrderStore) -> None:
    _write(workorder_store, 5, OLD)
    _write(workorder_store, 1, NOW, published=False)
    deletes: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            deletes.append(statement)

    event.listen(workorder_store.engine, "before_cursor_execute", count)
    try:
        assert _purge(workorder_store, batch=2) == (4 if workorder_store.dialect == "postgresql" else 5)
    finally:
        event.remove(workorder_store.engine, "before_cursor_execute", count)
    assert len(deletes) == (2 if workorder_store.dialect == "postgresql" else 3)  # 2 + 2 (+ 1)
    assert _purge(workorder_store, batch=2) == 0


def test_two_processes_purging_at_once_delete_each_event_once(
        open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    first, second = open_workorder_store(), open_workorder_store()
    written = _write(first, 200, OLD)
    young = _write(first, 1, NOW, published=False)
    with ThreadPoolExecutor(2) as pool:
        purged = list(pool.map(lambda store: _purge(store, batch=7), (first, second)))
    kept = written[-1:] if first.dialect == "postgresql" else []
    assert sum(purged) == len(written) - len(kept) and _positions(first) == kept + young


def test_the_retention_pass_keeps_events_for_their_days_by_the_stores_clock(
        open_workorder_store: Callable[..., WorkOrderStore]) -> None:
    clock = Clock(OLD)
    store = open_workorder_store(clock=clock)
    written = _write(store, 2, OLD)  # published at OLD + 1 s
    _write(store, 1, OLD + timedelta(days=3), published=False)
    retention = WorkflowRetention(store, timedelta(days=30), keep_events=timedelta(days=2))
    clock.now = OLD + timedelta(days=2)
    assert retention.run_pass() == 0
    clock.now = OLD + timedelta(days=2, seconds=2)
    assert retention.run_pass() == (1 if store.dialect == "postgresql" else 2)
    assert written[-1] not in _positions(store) or store.dialect == "postgresql"


def test_an_outbox_of_an_older_revision_keeps_its_positions_never_used_again(store_url: str) -> None:
    store = WorkOrderStore(create_store_engine(store_url), migrate=False)
    try:
        upgrade(store.engine, "0011")
        written = _write(store, 3, OLD)
        upgrade(store.engine)
        with store.engine.begin() as connection:
            connection.execute(work_order_events.delete())
        later = _write(store, 1, NOW)
        assert later[0] > written[-1]
        if store.dialect == "sqlite":
            with store.engine.connect() as connection:
                assert "AUTOINCREMENT" in connection.execute(text(
                    "SELECT sql FROM sqlite_master WHERE name = 'work_order_events'")).scalar_one()
                assert connection.execute(select(work_order_events.c.position)).scalars().all() == later
    finally:
        store.close()
