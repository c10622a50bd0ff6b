"""A hub that stalls in the middle of a transaction (a paused VM, a host cut off with its connection half-open)
must not stop the other hubs of its PostgreSQL store: before, nothing bounded how long its row locks were held,
and every other hub's worker that needed one of its work orders waited, its whole batch with it, answering
nothing (an audit froze one of two hubs: the other's new complaints got 504 until it came back). Now each
session of the store waits for a lock at most ``LOCK_TIMEOUT_MS`` (a transient failure: the message is retried,
its batch goes on), is ended by the server after ``IDLE_IN_TRANSACTION_MS`` idle in a transaction, and keeps
TCP alive on both ends (every PostgreSQL engine of the hub: ``hub.database``). The migrations' lock alone still
waits without bound."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy import text as sql
from sqlalchemy.exc import OperationalError

from adapters.oa.postgres_records import open_engine as oa_records_engine
from hub.audit.postgres import PostgresAuditStorage
from hub.bulletin.database import open_engine as bulletin_engine
from hub.security.nonces import SqlNonceStore
from hub.store.postgres_schema import create_processed_engine
from hub.workers.classify import Classifier
from hub.workflow.statistics.counters import add_counts
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


ENGINES: dict[str, tuple[Callable[[str], Engine], str]] = {  # each PostgreSQL engine of the hub, its lock timeout
    "work orders": (create_store_engine, "5s"),
    "processed messages": (create_processed_engine, "5s"),
    "OA records": (oa_records_engine, "5s"),
    "bulletin": (lambda url: bulletin_engine(url, 10_000), "10s"),  # its busy timeout: then BoardBusy (503)
    "audit trail": (lambda url: PostgresAuditStorage.open(url).engine, "5s"),  # an append waits 30 s (SET LOCAL)
    "nonces": (lambda url: SqlNonceStore.open(url, 300).engine, "5s"),
}


@pytest.mark.parametrize("store", ENGINES)
def test_every_session_has_its_bounds(database: str, store: str) -> None:
    """Before, only the work-order store's sessions had them (an audit: a hub frozen inside an OA notice page or a
    bulletin write kept its advisory lock, and the other hubs' workers waited for good)."""
    opened, lock_timeout = ENGINES[store]
    engine = opened(database)
    try:
        with engine.connect() as connection:
            shown = {name: connection.execute(sql(f"SHOW {name}")).scalar_one() for name in (
                "lock_timeout", "idle_in_transaction_session_timeout", "tcp_keepalives_idle")}
    finally:
        engine.dispose()
    assert shown == {"lock_timeout": lock_timeout, "idle_in_transaction_session_timeout": "2min",
                     "tcp_keepalives_idle": "30"}


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


def test_counters_behind_a_stats_rebuild_wait_without_bound_then_the_bound_is_back(database: str) -> None:
    """``onepoint stats rebuild`` holds the counters' table for its whole transaction; a change committing
    meanwhile waits for it, as docs/statistics.md says, rather than failing after the session's 5 s."""
    rebuilding, changing = create_store_engine(database), create_store_engine(database)
    key = ("2026-12-06", "01.02.03", "0755", "VIP_GOLD", "HOTLINE", "", "*", "*", "created")
    try:
        held = threading.Event()

        def rebuild_for_a_while() -> None:  # longer than the session's lock timeout
            with rebuilding.begin() as connection:
                connection.execute(sql("LOCK TABLE work_order_counters IN EXCLUSIVE MODE"))
                held.set()
                time.sleep(6)

        other = threading.Thread(target=rebuild_for_a_while)
        other.start()
        assert held.wait(30)
        with changing.begin() as connection:
            add_counts(connection, {key: 1})  # before: LockNotAvailable after 5 s
            assert connection.execute(sql("SHOW lock_timeout")).scalar_one() == "5s"
        other.join(30)
    finally:
        rebuilding.dispose()
        changing.dispose()
