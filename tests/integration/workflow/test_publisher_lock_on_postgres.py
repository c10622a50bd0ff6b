"""The event publisher on PostgreSQL where transactions of several hub processes overlap: the one-publisher lock
is checked before every POST (a publisher whose lock's session ends during a turn, by a dropped connection, a
timeout, a failover or an administrator, sends nothing more, and one taking the lock over first waits one delivery
deadline, the other's last POST), and a listener gets an event whose change was still committing when it
registered."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import psycopg
import pytest

from hub.config.workflow import WorkflowSettings
from hub.workers import WorkerTestClient
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.support.postgres_server import PostgresServer
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.listener_kit import create, register
from tests.unit.workflow.local_listener import LOOPBACK, local_listener

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    postgres_runtime.listener_settings = LOOPBACK  # the listeners are on 127.0.0.1
    return postgres_runtime


def test_a_publisher_that_lost_its_lock_mid_turn_sends_nothing_more(
        client: WorkerTestClient, runtime: WorkflowRuntime,  # noqa: F811 - the fixture
        postgres_server: PostgresServer) -> None:
    database, ended = runtime.store.engine.url.database, list[int]()

    def end_the_locks_session(handler: BaseHTTPRequestHandler) -> None:  # at the first POST only
        with psycopg.connect(host="127.0.0.1", port=postgres_server.port, user="postgres", dbname=database,
                             autocommit=True) as admin:
            for (pid,) in admin.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"):
                if not ended:
                    admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
                    ended.append(pid)
        handler.send_response(204)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    first = EventPublisher(runtime.store, runtime.clock, settings=LOOPBACK)
    second = EventPublisher(runtime.store, runtime.clock, settings=LOOPBACK)
    with local_listener(end_the_locks_session) as listener:
        register(client, listener.url)
        for _ in range(2):
            create(client)
        try:
            done = first.run_round()
            assert len(listener.received) == 1 and len(done.delivered) == 1  # no POST after the lock was gone
            assert second.run_round().leader  # the lock was free: the other process takes it ...
            assert first.run_round().leader is False  # ... and the first one publishes no more
        finally:
            first.stop()
            second.stop()


def test_a_publisher_taking_the_lock_over_waits_for_the_others_last_post(runtime: WorkflowRuntime) -> None:
    first = EventPublisher(runtime.store, runtime.clock, settings=LOOPBACK)
    second = EventPublisher(runtime.store, runtime.clock, settings=LOOPBACK, connect_timeout=30, read_timeout=30)
    try:
        assert first.run_round().leader and not second.run_round().leader
        first.stop()
        taken = second.run_round()
        assert taken.leader and taken.taking_over and taken.delivered == []
    finally:
        first.stop()
        second.stop()


def test_a_listener_gets_an_event_whose_change_was_still_committing_when_it_registered(
        client: WorkerTestClient, runtime: WorkflowRuntime,  # noqa: F811 - the fixture
        postgres_server: PostgresServer) -> None:
    other_process = open_runtime(WorkflowSettings(database=str(runtime.store.engine.url.render_as_string(
        hide_password=False))), clock=runtime.clock)
    order = create(client)
    written, commit, late = threading.Event(), threading.Event(), []

    def in_flight_change() -> None:  # another process's transaction: its event written now, committed later
        with other_process.store.transaction() as tx:
            late.append(tx.add_event(order, "TroubleTicketStatusChangeEvent", '{"event": {"troubleTicket": {}}}',
                                     at=runtime.clock.now()))
            written.set()
            commit.wait(30)

    changing = threading.Thread(target=in_flight_change)
    changing.start()
    try:
        assert written.wait(30)
        create(client)  # a younger change commits first: a higher position
        with local_listener() as listener:
            register(client, listener.url)
            commit.set()
            changing.join()
            publisher = EventPublisher(runtime.store, runtime.clock, settings=LOOPBACK, gap=timedelta(seconds=60))
            try:
                publisher.run_round()
            finally:
                publisher.stop()
            assert late[0] in listener.received
    finally:
        commit.set()
        changing.join()
        other_process.close()
