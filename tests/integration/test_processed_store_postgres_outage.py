"""A PostgreSQL restart while a handler's effect runs does not make the effect run twice (audit-pg repro 2): the
outcome reached is written again until the database answers, the message kept meanwhile, then settled as recorded.
Before, the record's failure went back as a transient error; the claim stayed ``claimed`` by the live worker (BUSY for
30 s) and was then taken over, and BOSS's change was made again. A retry after a COMMIT whose answer was lost writes
no second record; a record another worker wrote first stays and is the claim's; a store closed while it waits gives
up (nothing recorded: the message comes back under the claim's lease). The retry loop alone:
tests/unit/test_processed_store_record_retry.py."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from hub.envelope import Envelope
from hub.store import ClaimBusyError
from hub.store.postgres import PostgresProcessedStore
from hub.system.health import processed_store_probe
from hub.system.store_outage import ProcessedStoreDown, hold_back_while_down
from hub.workers import Action, HandlerRegistry, Processor, WorkerTestClient
from tests.support.postgres_server import BIN_DIR, SERVICE_USER, PostgresServer
from tests.support.processed_stores import open_postgres_store
from tests.unit.workers.kit import envelope

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

DOWN_SECONDS = 2.0  # a restart, a failover: the database answers again this long after it stopped


def start_again(server: PostgresServer) -> None:
    """Start the stopped cluster on its data directory and port (``PostgresServer.start`` creates a new one)."""
    options = f"-h 127.0.0.1 -p {server.port} -k {server.data} -c fsync=off -c full_page_writes=off"
    command = [str(BIN_DIR / "pg_ctl"), "-D", str(server.data), "-l", str(server.log), "-o", options, "-w", "start"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", SERVICE_USER, "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60, env={**os.environ, "LC_ALL": "C.UTF-8"})
    server._started = True  # so that the fixture stops it


@pytest.fixture
def restarts(private_postgres: PostgresServer) -> Iterator[list[threading.Timer]]:
    """Timers restarting the private cluster; joined before the cluster is closed."""
    timers: list[threading.Timer] = []
    yield timers
    for timer in timers:
        timer.join()


def restart_later(server: PostgresServer, timers: list[threading.Timer]) -> None:
    """Stop the cluster now and start it again ``DOWN_SECONDS`` later (from another thread)."""
    server.stop()
    timer = threading.Timer(DOWN_SECONDS, start_again, args=(server,))
    timers.append(timer)
    timer.start()


def rows(server: PostgresServer, database: str) -> list[tuple[str, str, str | None]]:
    engine = sa.create_engine(database)
    try:
        with engine.connect() as db:
            found = db.execute(sa.text("SELECT message_id, state, outcome FROM onepoint_processed_messages"))
            return sorted((str(m), str(s), o) for m, s, o in found)
    finally:
        engine.dispose()


def test_a_restart_while_the_effect_runs_records_its_outcome_once_the_database_is_back(
        private_postgres: PostgresServer, restarts: list[threading.Timer], caplog: pytest.LogCaptureFixture) -> None:
    handlers, changes = HandlerRegistry(), []
    database = private_postgres.create_database()
    store = open_postgres_store(database, "boss")
    probe = processed_store_probe(store)
    assert probe is not None and probe.check_now().ok
    hold_back_while_down(store, probe)  # what the worker does: the probe's reason is the waiting record's

    @handlers.handler("boss.QueryCustomerTier")
    def change(env: Envelope) -> str:  # BOSS's change, done while PostgreSQL restarts
        changes.append(env.message_id)
        restart_later(private_postgres, restarts)
        probe.check_now()  # the probe's thread notices within its interval
        return "changed"

    try:
        processor = Processor("boss", handlers, store, tiers=("t5", "t30"), delays=(5.0, 30.0))
        sent = envelope()
        message = WorkerTestClient(handlers, consumer="boss").message(sent)
        with caplog.at_level(logging.WARNING, logger="onepoint.store"):
            decision = processor.process(message)  # held until the database answers, then recorded
        assert (decision.action, decision.outcome) == (Action.ACK, "changed"), decision
        assert store.outcome(processor.key(sent)) == "changed"
        waiting = [r for r in caplog.records if r.getMessage().startswith("outcome reached but its record")]
        assert waiting and "the processed store's database is down" in waiting[0].__dict__["reason"]
        again = processor.process(message)  # a copy of the message: the recorded outcome, not the effect again
        assert (again.action, again.duplicate, again.outcome) == (Action.ACK, True, "changed"), again
        assert changes == [message.message_id]
        assert rows(private_postgres, database) == [(processor.key(sent), "done", "changed")]
    finally:
        store.close()


def test_a_claim_used_directly_records_once_the_database_is_back(private_postgres: PostgresServer,
                                                                  restarts: list[threading.Timer]) -> None:
    store = PostgresProcessedStore.open(private_postgres.create_database(), "boss")
    effects: list[str] = []
    try:
        with store.claim("boss:MSG-0001") as claim:
            effects.append("changed")
            restart_later(private_postgres, restarts)
            claim.complete("changed")
        assert (claim.outcome, store.outcome("boss:MSG-0001")) == ("changed", "changed")
        with store.claim("boss:MSG-0001") as redelivered:
            assert redelivered.duplicate and redelivered.outcome == "changed"
        assert effects == ["changed"]
    finally:
        store.close()


def test_a_retry_after_a_lost_commit_answer_writes_no_second_record(private_postgres: PostgresServer) -> None:
    database = private_postgres.create_database()
    store = PostgresProcessedStore.open(database, "boss")
    writes: list[str] = []

    def commit_answer_lost(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "DO UPDATE" in statement:  # the record's upsert: committed (autocommit), then its answer is lost
            writes.append(statement)
            if len(writes) == 1:
                raise psycopg.OperationalError("server closed the connection unexpectedly")

    sa.event.listen(store.engine, "after_cursor_execute", commit_answer_lost)
    try:
        with store.claim("boss:MSG-0001") as claim:
            claim.complete("changed", reply=b"<answer/>")
        assert len(writes) == 2  # written again, which found the first write's record
        assert (claim.outcome, claim.reply) == ("changed", b"<answer/>")
        assert rows(private_postgres, database) == [("boss:MSG-0001", "done", "changed")]
    finally:
        store.close()


def test_a_record_another_worker_wrote_first_stays_and_is_the_claims(private_postgres: PostgresServer) -> None:
    database = private_postgres.create_database()
    mine, other = (PostgresProcessedStore.open(database, "boss") for _ in range(2))
    try:
        with mine.claim("boss:MSG-0001") as claim:
            assert other.record("boss:MSG-0001", "other machine", reply=b"<theirs/>")  # e.g. after a takeover
            claim.complete("changed", reply=b"<ours/>")
        assert (claim.outcome, claim.reply) == ("other machine", b"<theirs/>")
        assert rows(private_postgres, database) == [("boss:MSG-0001", "done", "other machine")]
    finally:
        mine.close()
        other.close()


class CloseWhenWaiting(logging.Handler):
    """Closes the store (the process stopping) once its outcome is known to wait for the database."""

    def __init__(self, store: PostgresProcessedStore) -> None:
        super().__init__(logging.WARNING)
        self.store = store
        self.closer: threading.Thread | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.closer is None and record.getMessage().startswith("outcome reached but its record"):
            self.closer = threading.Thread(target=self.store.close)
            self.closer.start()


def test_a_store_closed_while_the_record_waits_records_nothing_and_keeps_the_claim(
        private_postgres: PostgresServer) -> None:
    database = private_postgres.create_database()
    store = PostgresProcessedStore.open(database, "boss")
    probe = processed_store_probe(store)
    assert probe is not None
    hold_back_while_down(store, probe)
    stopping = CloseWhenWaiting(store)

    def change_while_down() -> None:
        with store.claim("boss:MSG-0001") as claim:
            private_postgres.stop()
            probe.check_now()
            claim.complete("changed")

    logging.getLogger("onepoint.store").addHandler(stopping)
    try:
        with pytest.raises(ProcessedStoreDown):  # the message waits in a tier (the outage hook), nothing recorded
            change_while_down()
    finally:
        logging.getLogger("onepoint.store").removeHandler(stopping)
        if stopping.closer is not None:
            stopping.closer.join()
        store.close()
    start_again(private_postgres)
    assert rows(private_postgres, database) == [("boss:MSG-0001", "claimed", None)]  # its lease decides
    other = PostgresProcessedStore.open(database, "boss")
    try:
        with pytest.raises(ClaimBusyError), other.claim("boss:MSG-0001"):
            pass  # its owner (this process) runs and its lease is not over: BUSY, then taken over, as before
    finally:
        other.close()
