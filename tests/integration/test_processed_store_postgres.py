"""The shared PostgreSQL processed-message store beyond the contract every store passes (``tests/unit/transport/
test_store*.py``, ``tests/contract/test_idempotency.py``): workers of one consumer share its records wherever they
run, consumers are kept apart in the one table, a dead worker's claim is taken over, records are kept 7 days and then
purged in bounded batches, and ``open_store`` opens it from a URL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial

import pytest
import sqlalchemy as sa

from hub.store import ClaimBusyError, open_store
from hub.store.postgres import PostgresProcessedStore, ProcessedStoreUnavailable
from hub.store.postgres_retention import DEFAULT_KEEP_SECONDS, PostgresRetention, RetainingPostgresStore
from tests.support.postgres_server import PostgresServer
from tests.support.processed_stores import open_postgres_store

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

DAY = 86_400.0

_HOLDER = """
import sys, time
from hub.store.postgres import PostgresProcessedStore
store = PostgresProcessedStore.open(sys.argv[1], "boss")
with store.claim(sys.argv[2]):
    print("held", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def database(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


@pytest.fixture
def opened(database: str) -> Iterator[list[PostgresProcessedStore]]:
    stores: list[PostgresProcessedStore] = []
    yield stores
    for store in stores:
        store.close()


def rows(url: str) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as db:
            found = db.execute(sa.text("SELECT consumer, message_id, state FROM onepoint_processed_messages"))
            return sorted((str(c), str(m), str(s)) for c, m, s in found)
    finally:
        engine.dispose()


def age(url: str, days: float) -> None:
    """Every record written so far, as if written ``days`` ago (a claim's lease with it)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as db:
            db.execute(sa.text("UPDATE onepoint_processed_messages SET updated_at = updated_at - make_interval("
                               "secs => :s), lease_until = lease_until - make_interval(secs => :s)"), {"s": days * DAY})
    finally:
        engine.dispose()


def test_workers_of_one_consumer_share_its_records_and_consumers_are_kept_apart(
        database: str, opened: list[PostgresProcessedStore]) -> None:
    machine_a, machine_b = open_postgres_store(database, "boss"), open_postgres_store(database, "boss")
    bulletin = open_postgres_store(database, "bulletin")
    opened += [machine_a, machine_b, bulletin]
    with machine_a.claim("cs-sync-1") as claim:
        with pytest.raises(ClaimBusyError), machine_b.claim("cs-sync-1"):
            pass  # the other machine's worker, while the first copy is handled
        claim.complete("synced", reply=b"<SyncHLRResponse/>")
    with machine_b.claim("cs-sync-1") as again:  # the resend, on the other machine
        assert again.duplicate and again.outcome == "synced" and again.reply == b"<SyncHLRResponse/>"
    with bulletin.claim("cs-sync-1") as other:  # the same id at another consumer (a broadcast): its own record
        assert not other.duplicate
        other.complete("shown")
    assert (machine_a.count(), machine_b.count(), bulletin.count()) == (1, 1, 1)
    assert machine_b.run_batch([("cs-sync-1", lambda: "again")])[0].duplicate  # a batch sees it too


def test_a_killed_workers_claim_is_taken_over_at_once(database: str, opened: list[PostgresProcessedStore]) -> None:
    open_postgres_store(database).close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, database, "m-1"], stdout=subprocess.PIPE, text=True,
                            env=env)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        store = open_postgres_store(database)
        opened.append(store)
        with pytest.raises(ClaimBusyError), store.claim("m-1"):
            pass  # its owner runs: the claim holds
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with store.claim("m-1") as claim:  # not after the lease: its owner is gone (the same machine)
            assert not claim.duplicate
            claim.complete("dispatched")
        assert store.outcome("m-1") == "dispatched"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_a_claim_taken_over_after_its_lease_stays_with_the_new_holder(
        database: str, opened: list[PostgresProcessedStore]) -> None:
    slow = open_postgres_store(database, lease_seconds=0.0)  # its lease ends at once (a worker stalled past it)
    other = open_postgres_store(database)
    opened += [slow, other]
    with slow.claim("m-2"), other.claim("m-2") as taken:  # the first holder gives up without recording
        assert not taken.duplicate
        taken.complete("done by the other")
    assert other.outcome("m-2") == "done by the other"


def test_the_table_is_created_once_by_workers_starting_together(
        database: str, opened: list[PostgresProcessedStore]) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            opened.append(open_postgres_store(database))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(opened) == 6


def test_records_are_purged_after_their_days_in_bounded_batches(
        database: str, opened: list[PostgresProcessedStore]) -> None:
    now = [0.0]
    retention = PostgresRetention(7 * DAY, every=600, batch=2, batches=2, clock=lambda: now[0])
    store = RetainingPostgresStore.open(database, "boss", retention=retention)
    crm = open_postgres_store(database, "crm")
    opened += [store, crm]
    for n in range(5):
        assert store.run_once(f"boss:m-{n}", lambda: "done") == (True, "done")
    crm.record("crm:m-0")
    age(database, 8)
    claim = store.claim("boss:m-running")
    claim.__enter__()  # a claim in flight, written now: its lease runs
    assert retention.tick(store.engine, "boss") == 0  # the first message's purge was the last one: not due yet
    now[0] += 600
    assert retention.tick(store.engine, "boss") == 4  # two statements of two: the rest soon after, not now
    now[0] += 1
    with store.claim("boss:m-new") as fresh:
        fresh.complete("done")  # the worker that records a message purges when due
    assert rows(database) == [("boss", "boss:m-new", "done"), ("boss", "boss:m-running", "claimed"),
                              ("crm", "crm:m-0", "done")]  # another consumer's records: its own store's
    age(database, 8)  # the claim's lease ended long ago too (its worker gone): it goes with the records
    now[0] += 600
    assert retention.tick(store.engine, "boss") == 2
    assert rows(database) == [("crm", "crm:m-0", "done")]
    claim.__exit__(None, None, None)


def test_open_store_opens_it_from_the_url_the_settings_give(database: str) -> None:
    for url in (database, database.replace("postgresql+psycopg://", "postgresql://")):
        store = open_store(url, consumer="nsp")
        try:
            assert isinstance(store, RetainingPostgresStore) and store.consumer == "nsp"
            assert store.retention.keep_seconds == DEFAULT_KEEP_SECONDS == 7 * DAY
        finally:
            store.close()
    with pytest.raises(ValueError, match="name the consumer"):
        open_store(database)


def test_a_database_that_cannot_be_opened_is_one_line_without_the_password(postgres_server: PostgresServer) -> None:
    url = f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{postgres_server.port}/no_such_database"
    with pytest.raises(ProcessedStoreUnavailable) as raised:
        open_store(url, consumer="boss")
    message = str(raised.value)
    assert "s3cret" not in message and "\n" not in message
    assert "postgres:***@127.0.0.1" in message and "no_such_database" in message


def race(machines: list[PostgresProcessedStore], ids: list[str]) -> tuple[list[str], list[BaseException]]:
    """One batch of ``ids`` on each machine at once, the second in the reverse order: the ids whose effect ran (as
    often as it ran) and what the batches raised."""
    orders = [ids, list(reversed(ids))]
    ran: list[str] = []
    errors: list[BaseException] = []
    lock, barrier = threading.Lock(), threading.Barrier(2)

    def effect(message_id: str) -> str:
        with lock:
            ran.append(message_id)
        return "done"

    def batch(machine: int) -> None:
        barrier.wait()
        try:
            machines[machine].run_batch([(m, partial(effect, m)) for m in orders[machine]])
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=batch, args=(machine,)) for machine in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ran, errors


def test_batches_of_the_same_new_ids_in_other_orders_run_each_once_without_a_deadlock(
        database: str, opened: list[PostgresProcessedStore]) -> None:
    """Two workers' batches claim the same new ids in opposite orders (audit-fresh repro 01): no deadlock raised
    out of ``run_batch``, every id runs exactly once (the second batch finds the first's records)."""
    machines = [open_postgres_store(database, "boss") for _ in range(2)]
    opened += machines
    for attempt in range(8):
        ids = [f"b{attempt}-{n:04d}" for n in range(400)]
        ran, errors = race(machines, ids)
        assert errors == [], errors
        assert sorted(ran) == ids  # each once, by one machine or the other
    assert machines[0].count() == 8 * 400
