"""A hole in the outbox's positions on PostgreSQL is waited for as long as a transaction that may fill it is open,
however long that is (a scheduler pass awaiting its confirms, a batch awaiting slow lookups): its event reaches every
listener once it commits, in order. A rolled-back transaction's hole is passed once it has ended, and a long
transaction of another database of the cluster holds no listener back."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest

from hub.config.workflow import WorkflowSettings
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.support.postgres_server import PostgresServer
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.listener_kit import create, register
from tests.unit.workflow.local_listener import LOOPBACK, LocalListener, local_listener

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

EVENT = '{"event": {"troubleTicket": {}}}'


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    postgres_runtime.listener_settings = LOOPBACK  # the listeners are on 127.0.0.1
    return postgres_runtime


@contextmanager
def open_change(runtime: WorkflowRuntime, work_order_id: str, *, commit: bool) -> Iterator[list[str]]:
    """Another hub process's transaction: its event written (its position drawn) now, committed or rolled back when
    the block ends."""
    other = open_runtime(WorkflowSettings(database=runtime.store.engine.url.render_as_string(hide_password=False)),
                         clock=runtime.clock)
    written, end, event_ids = threading.Event(), threading.Event(), []

    def change() -> None:
        try:
            with other.store.transaction() as tx:
                event_ids.append(tx.add_event(work_order_id, "TroubleTicketStatusChangeEvent", EVENT,
                                              at=runtime.clock.now()))
                written.set()
                end.wait(60)
                if not commit:
                    raise _RolledBack
        except _RolledBack:
            pass

    thread = threading.Thread(target=change)
    thread.start()
    try:
        assert written.wait(30)
        yield event_ids
    finally:
        end.set()
        thread.join()
        other.close()


class _RolledBack(Exception):
    pass


def run_round(runtime: WorkflowRuntime, publisher: EventPublisher, minutes: float = 0) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=minutes))
    publisher.run_round()


@pytest.fixture
def publisher(runtime: WorkflowRuntime) -> Iterator[EventPublisher]:
    publisher = EventPublisher(runtime.store, runtime.clock, settings=LOOPBACK, gap=timedelta(seconds=60))
    yield publisher
    publisher.stop()


@pytest.fixture
def listener(client: WorkerTestClient) -> Iterator[LocalListener]:  # noqa: F811 - the fixture
    with local_listener() as listener:
        register(client, listener.url)
        yield listener


def test_an_event_committed_long_after_a_younger_one_still_reaches_the_listener_in_order(
        client: WorkerTestClient, runtime: WorkflowRuntime,  # noqa: F811 - the fixture
        publisher: EventPublisher, listener: LocalListener, caplog: pytest.LogCaptureFixture) -> None:
    order = create(client)
    run_round(runtime, publisher)  # the work order's own events first
    before = len(listener.received)
    with open_change(runtime, order, commit=True) as late:
        create(client)  # a younger change commits first: a higher position, behind the open one's hole
        younger = runtime.store.events_after(0, 100)[-1].event_id
        with caplog.at_level(logging.WARNING, logger="onepoint.workflow.publisher"):
            for _ in range(3):  # ten minutes of a pass awaiting its confirms, far past listener_gap_seconds
                run_round(runtime, publisher, minutes=5)
        assert len(listener.received) == before  # held at the hole: not past it, and nothing out of order
        assert "still held by an open transaction" in caplog.text
    run_round(runtime, publisher)
    assert listener.received[before:] == [late[0], younger]  # in position order, once each


def test_a_rolled_back_transactions_hole_is_passed_once_it_has_ended(
        client: WorkerTestClient, runtime: WorkflowRuntime,  # noqa: F811 - the fixture
        publisher: EventPublisher, listener: LocalListener) -> None:
    order = create(client)
    run_round(runtime, publisher)  # the work order's own events first
    before = len(listener.received)
    with open_change(runtime, order, commit=False):
        create(client)
        younger = runtime.store.events_after(0, 100)[-1].event_id
        run_round(runtime, publisher, minutes=2)
        assert len(listener.received) == before
    run_round(runtime, publisher)
    assert listener.received[before:] == [younger]


def test_a_long_transaction_in_another_database_holds_no_listener_back(
        client: WorkerTestClient, runtime: WorkflowRuntime,  # noqa: F811 - the fixture
        publisher: EventPublisher, listener: LocalListener, postgres_server: PostgresServer) -> None:
    order = create(client)
    run_round(runtime, publisher)  # the work order's own events first
    before = len(listener.received)
    other_database = {"host": "127.0.0.1", "port": postgres_server.port, "user": "postgres", "dbname": "postgres"}
    with open_change(runtime, order, commit=False), psycopg.connect(**other_database) as elsewhere:
        elsewhere.execute("CREATE TEMP TABLE t (x int)")  # a writing transaction of the cluster's other database
        elsewhere.execute("INSERT INTO t VALUES (1)")
        create(client)
        younger = runtime.store.events_after(0, 100)[-1].event_id
        run_round(runtime, publisher)
        assert len(listener.received) == before
    run_round(runtime, publisher)  # the hole's transaction ended; the other database's is still open
    assert listener.received[before:] == [younger]


def test_a_listener_registered_while_a_long_change_is_open_gets_its_event(
        client: WorkerTestClient, runtime: WorkflowRuntime,  # noqa: F811 - the fixture
        publisher: EventPublisher) -> None:
    order = create(client)
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    with local_listener() as listener:
        with open_change(runtime, order, commit=True) as late:
            create(client)  # a younger change commits first
            younger = runtime.store.events_after(0, 100)[-1].event_id
            clock.advance(timedelta(seconds=61))  # the younger event is older than listener_gap_seconds ...
            time.sleep(1.5)  # ... but the change still open is older than that by the database's clock
            register(client, listener.url)
            run_round(runtime, publisher)
            assert listener.received == []  # held at the open change's hole
        run_round(runtime, publisher)
        assert listener.received == [late[0], younger]  # the late event, and the younger one again (at least once)
