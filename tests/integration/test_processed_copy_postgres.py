"""``onepoint processed copy --from onepoint-boss.sqlite3``: a worker's records of a machine's file carried into the
shared PostgreSQL store at the switch from one hub to several, so a request resent with the same MessageId after
the switch (a SyncHLR its caller had no answer to) is answered from its record instead of being carried out again.
Claims are left (their messages are redelivered), a record the shared store holds is kept, a second copy changes
nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.store import SQLiteProcessedStore
from hub.store.postgres import PostgresProcessedStore
from tests.support.postgres_server import PostgresServer

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def settings(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "hubs.toml"
    path.write_text(f'[broker]\nurl = "amqp://127.0.0.1:5672/%2F"\n[workers]\nprocessed_store = "{url}"\n', "utf-8")
    return path


def copy(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["processed", "copy", *args])
    return result.exit_code, result.output


def test_the_records_go_along_and_a_resent_request_is_answered_from_its_record(
        tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    file = tmp_path / "onepoint-boss.sqlite3"
    old = SQLiteProcessedStore(file)
    old.record("hub-sync-0001", "synced", reply=b"<boss:SyncHLRResponse/>")
    old.record("hub-tier-0002", "answered", reply=b"<boss:QueryCustomerTierResponse/>")
    old.record("cs-command-0003", "done")
    claimed, stop = threading.Event(), threading.Event()

    def in_the_middle() -> None:  # a worker stopped in the middle of a message: its claim stays in the file
        with old.claim("hub-sync-0004"):
            claimed.set()
            stop.wait(30)

    holder = threading.Thread(target=in_the_middle, daemon=True)
    holder.start()
    assert claimed.wait(10)
    shared = PostgresProcessedStore.open(url, "boss")
    try:
        shared.record("cs-command-0003", "done on the new hubs")  # carried out there since the switch
        code, output = copy("--from", str(file), "--config", str(settings(tmp_path, url)))
        assert code == 0, output
        assert "(boss): 2 record(s) copied, 1 kept (the shared store had them), 1 claim(s) left" in output
        assert shared.outcome("hub-sync-0001") == "synced"
        assert shared.reply("hub-sync-0001") == b"<boss:SyncHLRResponse/>"
        assert shared.outcome("cs-command-0003") == "done on the new hubs"
        assert shared.outcome("hub-sync-0004") is None
        with shared.claim("hub-sync-0001") as claim:  # the resend after the switch: answered, not run
            assert claim.duplicate and claim.reply == b"<boss:SyncHLRResponse/>"
        crm = PostgresProcessedStore.open(url, "crm")
        try:
            assert crm.outcome("hub-sync-0001") is None  # boss's records only
        finally:
            crm.close()
        code, output = copy("--from", str(file), "--config", str(settings(tmp_path, url)))
        assert code == 0 and "0 record(s) copied, 3 kept" in output
    finally:
        stop.set()
        holder.join(10)
        shared.close()
        old.close()


def test_a_file_not_named_for_its_consumer_needs_consumer_and_a_wrong_file_is_refused(
        tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    file = tmp_path / "records.db"
    SQLiteProcessedStore(file).close()
    code, output = copy("--from", str(file), "--config", str(settings(tmp_path, url)))
    assert code == 2 and "say whose records it holds with --consumer" in output
    code, output = copy("--from", str(file), "--consumer", "dsmp", "--config", str(settings(tmp_path, url)))
    assert code == 0 and "(dsmp): 0 record(s) copied" in output
    other = tmp_path / "onepoint-oa.sqlite3"
    other.write_bytes(b"")
    code, output = copy("--from", str(other), "--config", str(settings(tmp_path, url)))
    assert code == 1 and "holds no processed-message records" in output


def test_without_a_shared_store_nothing_is_copied(tmp_path: Path) -> None:
    file = tmp_path / "onepoint-boss.sqlite3"
    SQLiteProcessedStore(file).close()
    path = tmp_path / "hub.toml"
    path.write_text('[broker]\nurl = "amqp://127.0.0.1:5672/%2F"\n', "utf-8")
    code, output = copy("--from", str(file), "--config", str(path))
    assert code == 1 and "[workers] processed_store is not set" in output


def test_a_claim_in_the_shared_store_is_replaced_by_the_files_record(tmp_path: Path,
                                                                     postgres_server: PostgresServer) -> None:
    """A worker on the shared store took the redelivered SyncHLR and was killed -9 (its claim stays); the file says
    the message was carried out: the copy puts that record over the claim, so the next delivery is answered from it
    instead of BOSS being synced twice (audit of this session's code)."""
    url = postgres_server.create_database()
    file = tmp_path / "onepoint-boss.sqlite3"
    old = SQLiteProcessedStore(file)
    old.record("hub-sync-0001", "synced", reply=b"<boss:SyncHLRResponse/>")
    old.close()
    shared = PostgresProcessedStore.open(url, "boss")
    try:
        with shared.engine.begin() as db:  # the killed worker's claim, its lease not yet run out
            db.exec_driver_sql("INSERT INTO onepoint_processed_messages (consumer, message_id, state, lease_until, "
                               "updated_at, owner) VALUES ('boss', 'hub-sync-0001', 'claimed', now() + interval "
                               "'30 seconds', now(), 'gone-host/4242/dead')")
        code, output = copy("--from", str(file), "--config", str(settings(tmp_path, url)))
        assert code == 0 and "1 record(s) copied, 0 kept" in output, output
        with shared.claim("hub-sync-0001") as claim:
            assert claim.duplicate and claim.reply == b"<boss:SyncHLRResponse/>"
    finally:
        shared.close()


@pytest.mark.parametrize(("name", "consumer", "named"), [
    ("records.db", "bos", "no consumer 'bos' keeps records there"),
    ("onepoint-boss.sqlite3", "crm", "--consumer crm but the file is onepoint-boss.sqlite3, boss's records"),
    ("records.db", "workflow", "no consumer 'workflow' keeps records there"),
    ("onepoint-bsos.sqlite3", None, "no consumer 'bsos' keeps records there"),
])
def test_records_under_a_name_no_worker_reads_are_refused(tmp_path: Path, postgres_server: PostgresServer,
                                                          name: str, consumer: str | None, named: str) -> None:
    url = postgres_server.create_database()
    file = tmp_path / name
    SQLiteProcessedStore(file).close()
    code, output = copy("--from", str(file), *(("--consumer", consumer) if consumer else ()),
                        "--config", str(settings(tmp_path, url)))
    assert code == 2 and named in output
