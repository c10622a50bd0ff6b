"""A hub that stalls in the middle of a transaction (a paused VM, a host cut off with its connection half-open)
must not stop the other hubs of its PostgreSQL store: before, nothing bounded how long its row locks were held,
and every other hub's worker that needed one of its work orders waited, its whole batch with it, answering
nothing (an audit froze one of two hubs: the other's new complaints got 504 until it came back). Now each
session of the store waits for a lock at most ``LOCK_TIMEOUT_MS`` (a transient failure: the message is retried,
its batch goes on), is ended by the server after ``IDLE_IN_TRANSACTION_MS`` idle in a transaction, and keeps
TCP alive on both ends. The migrations' lock alone still waits without bound."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text as sql
from sqlalchemy.exc import OperationalError

from hub.workers.classify import Classifier
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.dialect import create_store_engine, lock_customer, lock_migrations
from hub.workflow.store.migrate import upgrade
from tests.support.postgres_server import PostgresServer

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def database(postgres_server: PostgresServer) -> str:
    url = postgres_server.create_database()
    WorkOrderStore.open(url).close()  # migrated
    return url


def test_every_session_has_its_bounds(database: str) -> None:
    engine = create_store_engine(database)
    try:
        with engine.connect() as connection:
            shown = {name: connection.execute(sql(f"SHOW {name}")).scalar_one() for name in (
                "lock_timeout", "idle_in_transaction_session_timeout", "tcp_keepalives_idle")}
    finally:
        engine.dispose()
    assert shown == {"lock_timeout": "5s", "idle_in_transaction_session_timeout": "2min", "tcp_keepalives_idle": "30"}


def test_a_lock_held_by_a_stalled_peer_fails_the_waiting_statement_as_transient(database: str) -> None:
    stalled, waiting = create_store_engine(database), create_store_engine(database)
    try:
        with stalled.begin() as peer:  # the stalled hub: a customer's lock taken, then nothing
            lock_customer(peer, "13800138000")
            outcome: list[BaseException] = []

            def create_for_the_same_customer() -> None:
                try:
                    with waiting.begin() as connection:
                        lock_customer(connection, "13800138000")
                except BaseException as exc:
                    outcome.append(exc)

            other = threading.Thread(target=create_for_the_same_customer)
            other.start()
            other.join(60)  # before: it waited for the peer's transaction, which ends only after this join
            assert not other.is_alive()
        (failure,) = outcome
        assert isinstance(failure, OperationalError) and "lock timeout" in str(failure)
        assert Classifier()(failure).transient  # the message is retried, not dead-lettered
    finally:
        stalled.dispose()
        waiting.dispose()


def test_the_migrations_lock_waits_without_bound(database: str) -> None:
    impatient = database + "?options=-c%20lock_timeout%3D50"  # the URL's own options: lock waits of 50 ms
    holder, migrating = create_store_engine(database), create_store_engine(impatient)
    try:
        with migrating.connect() as connection:
            assert connection.execute(sql("SHOW lock_timeout")).scalar_one() == "50ms"
        held, release = threading.Event(), threading.Event()

        def hold_the_migrations_lock() -> None:  # another hub migrating for a while
            with holder.begin() as connection:
                lock_migrations(connection)
                held.set()
                release.wait(30)

        other = threading.Thread(target=hold_the_migrations_lock)
        other.start()
        assert held.wait(30)
        timer = threading.Timer(0.5, release.set)  # ten times the lock timeout
        timer.start()
        upgrade(migrating)  # waits for the other start, then finds the store at head
        other.join(30)
        timer.join()
    finally:
        holder.dispose()
        migrating.dispose()
