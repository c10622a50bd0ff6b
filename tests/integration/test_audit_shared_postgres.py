"""One audit chain for several hubs / DSMP workers (``[audit] database`` on PostgreSQL): two "machines" (two
``AuditLog`` instances, each with its own connections) appending at once from threads build one chain that
verifies; ``onepoint audit verify`` reads it from the settings and names a row altered directly in PostgreSQL."""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

import adapters.dsmp.wiring as dsmp_wiring
from adapters.dsmp.wiring import AuditTrailUnavailable
from hub.audit import AuditDatabaseUnavailable, AuditKeyError, AuditLog, PostgresAuditStorage
from hub.config import ConfigError, load_settings
from tests.support.postgres_server import PostgresServer
from tests.unit.audit.kit import TEST_KEY, entry

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

KEY = "integration-audit-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


def settings_file(tmp_path: Path, workflow_database: str, key_env: str = "TEST_AUDIT_KEY") -> Path:
    """A hub's settings whose audit log is the work-order database's (``database = "workflow"``)."""
    path = tmp_path / "hub.toml"
    path.write_text(f'[audit]\ndatabase = "workflow"\nkey_env = "{key_env}"\n'
                    f'[workflow]\ndatabase = "{workflow_database}"\n')
    return path


def onepoint(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TEST_AUDIT_KEY": KEY}
    return subprocess.run([sys.executable, "-W", "ignore", "-m", "hub.cli.main", "audit", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)


def test_two_machines_appending_at_once_build_one_chain_that_verifies(database: str) -> None:
    machines = [AuditLog(PostgresAuditStorage.open(database), TEST_KEY) for _ in range(2)]
    errors: list[BaseException] = []

    def append(log: AuditLog, first: int) -> None:
        try:
            for n in range(first, first + 50):
                log.append(entry(n))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(log, 1000 * m + 100 * t))
               for m, log in enumerate(machines) for t in range(2)]  # 2 machines x 2 threads x 50 rows
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        report = machines[0].verify()
        assert report.summary() == "OK: 200 rows, chain intact"
        assert machines[1].verify().intact
        with machines[1].storage.snapshot() as snapshot:
            rows = list(snapshot.records())
        assert [row.seq for row in rows] == list(range(1, 201))  # one numbering, no gap, no fork
        assert all(row.prev_mac == before.mac for before, row in itertools.pairwise(rows))
        assert len({row.values[10] for row in rows}) == 200  # every message id of both machines, once
    finally:
        for log in machines:
            log.close()


_MACHINE = """
import sys
from pathlib import Path
from hub.audit import AuditLog
from hub.config import load_settings
from tests.unit.audit.kit import entry
with AuditLog.open(load_settings(Path(sys.argv[1])).audit) as log:
    print("ready", flush=True)
    sys.stdin.readline()  # every machine starts appending at once
    for n in range(int(sys.argv[2]), int(sys.argv[2]) + 100):
        log.append(entry(n))
"""


def test_two_processes_from_one_settings_file_append_to_one_chain(tmp_path: Path, database: str) -> None:
    """Two DSMP workers' processes (on two machines: nothing but the settings file shared) write one chain."""
    config = settings_file(tmp_path, database)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TEST_AUDIT_KEY": KEY}
    machines = [subprocess.Popen([sys.executable, "-W", "ignore", "-c", _MACHINE, str(config), str(1000 * m)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
                for m in range(2)]
    try:
        for machine in machines:
            assert machine.stdout is not None and machine.stdout.readline() == "ready\n"
        for machine in machines:
            assert machine.stdin is not None
            machine.stdin.write("go\n")
            machine.stdin.flush()
        assert [machine.wait(timeout=120) for machine in machines] == [0, 0]
    finally:
        for machine in machines:
            if machine.poll() is None:
                machine.kill()
                machine.wait()
            for pipe in (machine.stdin, machine.stdout):
                if pipe is not None:
                    pipe.close()
    result = onepoint("verify", "--config", str(config))
    assert (result.returncode, result.stdout) == (0, "OK: 200 rows, chain intact\n")


def test_verify_from_the_settings_names_a_row_altered_in_postgresql(tmp_path: Path, database: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    config = settings_file(tmp_path, database)
    monkeypatch.setenv("TEST_AUDIT_KEY", KEY)
    with AuditLog.open(load_settings(config).audit) as log:  # as the DSMP adapter's wiring opens it
        for n in range(30):
            log.append(entry(n))
    assert not (tmp_path / "onepoint-audit.db").exists()  # nothing in the SQLite file at [audit] path
    result = onepoint("verify", "--config", str(config))
    assert (result.returncode, result.stdout) == (0, "OK: 30 rows, chain intact\n")
    assert onepoint("head", "--config", str(config)).stdout.startswith("30:")
    assert "newest 5 of 30 rows" in onepoint("show", "--last", "5", "--config", str(config)).stdout
    engine = sa.create_engine(database)
    try:
        with engine.begin() as db:  # someone with the database: the append-only trigger put aside
            db.execute(sa.text("SET LOCAL session_replication_role = replica"))
            db.execute(sa.text("UPDATE onepoint_audit_log SET rows_returned = 0 WHERE seq = 17"))
    finally:
        engine.dispose()
    result = onepoint("verify", "--config", str(config))
    assert result.returncode == 1
    assert result.stdout.startswith("ALTERED at row 17: ")


def test_a_database_without_a_log_or_out_of_reach_cannot_be_checked(tmp_path: Path, database: str) -> None:
    result = onepoint("verify", "--config", str(settings_file(tmp_path, database)))
    assert result.returncode == 2
    assert "no audit log in" in result.stderr and "onepoint_audit_log" in result.stderr
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = f"postgresql+psycopg://hub:s3cretpw@127.0.0.1:{port}/audit"
    result = onepoint("verify", "--config", str(settings_file(tmp_path, down)))
    assert result.returncode == 2
    assert f"cannot open the audit log in postgresql+psycopg://hub:***@127.0.0.1:{port}/audit" in result.stderr
    assert "s3cretpw" not in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(AuditDatabaseUnavailable):
        PostgresAuditStorage.open(down)


def test_a_shared_log_sealed_with_another_key_is_not_opened_for_writing(tmp_path: Path, database: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_AUDIT_KEY", KEY)
    monkeypatch.setenv("OTHER_AUDIT_KEY", "another-integration-key-0123456789abcdef")
    with AuditLog.open(load_settings(settings_file(tmp_path, database)).audit) as log:
        log.append(entry())
    other = load_settings(settings_file(tmp_path, database, key_env="OTHER_AUDIT_KEY")).audit
    with pytest.raises(AuditKeyError, match=r"\[audit\] database = \"workflow\".*sealed with another key"):
        AuditLog.open(other)


def test_the_dsmp_worker_does_not_start_without_its_audit_trail(tmp_path: Path) -> None:
    """The audit database out of reach at start: the DSMP worker cannot start, so ``onepoint serve`` stops with
    one line (``SystemStartError``) — before, a ``ConfigError`` left the dsmp queue without a worker, ``/readyz`` ok,
    and every SMS-log query answered 504 until a restart."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    defaults = load_settings()  # the built-in settings ([adapters.dsmp] there), the audit trail on that database
    settings = replace(defaults, audit=replace(defaults.audit, database=f"postgresql+psycopg://hub@127.0.0.1:{port}/a"))
    with pytest.raises(AuditTrailUnavailable, match=r"\[audit\]: cannot open the audit log") as refused:
        dsmp_wiring.dependencies(settings, work_orders=object())  # type: ignore[arg-type]
    assert not isinstance(refused.value, ConfigError)
