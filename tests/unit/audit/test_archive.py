"""``onepoint audit archive --to PATH``: the key change moves a SQLite log away whole. A log whose newest rows are
still in its ``-wal`` (a writer killed) is folded and moved with them, nothing left at its path; it is refused while a
writer has the log open; a new log is never created beside an orphaned ``-wal``; ``verify --head`` of an empty file
is a finding (exit 1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.audit import AuditDatabaseUnavailable, AuditLog
from hub.cli.audit import audit
from hub.config import load_settings
from tests.unit.audit.kit import entry, filled_log, tamper

pytestmark = pytest.mark.unit

KEY_ENV = "TEST_AUDIT_ARCHIVE_KEY"
OLD_KEY = "audit-test-key-0123456789abcdef-0123456789"  # TEST_KEY's bytes
NEW_KEY = "another-audit-key-0123456789abcdef-012345"


def onepoint_audit(folder: Path, *args: str, key: str = OLD_KEY, log: str = "audit.db") -> Result:
    config = folder / f"{log}.toml"
    config.write_text(f'[audit]\npath = "{log}"\nkey_env = "{KEY_ENV}"\n')
    return CliRunner().invoke(audit, [*args, "--config", str(config)], env={KEY_ENV: key})


def killed_writer(path: Path, rows: int) -> None:
    """A process that appended ``rows`` and was killed (SIGKILL): its newest rows are still in the -wal file."""
    script = textwrap.dedent(f"""
        import sys, time
        from hub.audit import AuditLog, SQLiteAuditStorage
        from tests.unit.audit.kit import TEST_KEY, entry
        log = AuditLog(SQLiteAuditStorage({str(path)!r}), TEST_KEY)
        for n in range({rows}):
            log.append(entry(n))
        print("ready", flush=True)
        time.sleep(60)
        """)
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert writer.stdout is not None
    with writer.stdout:
        ready = writer.stdout.readline().strip()
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert ready == "ready"
    assert Path(f"{path}-wal").stat().st_size > 0


def test_a_log_left_by_a_killed_writer_is_archived_whole_and_its_path_left_free(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    killed_writer(tmp_path / "audit.db", 5)
    head = onepoint_audit(tmp_path, "head").output.strip()
    (tmp_path / "kept").mkdir()
    result = onepoint_audit(tmp_path, "archive", "--to", str(tmp_path / "kept" / "old-audit.db"))
    assert result.exit_code == 0, result.output
    assert "OK: 5 rows, chain intact" in result.output and f"head {head}" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.db.hub-lock", "audit.db.toml", "kept"]
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["old-audit.db"]  # no -wal, no -shm
    kept = onepoint_audit(tmp_path / "kept", "verify", "--head", head, log="old-audit.db")
    assert (kept.exit_code, kept.output) == (0, "OK: 5 rows, chain intact\n")
    monkeypatch.setenv(KEY_ENV, NEW_KEY)  # a writer with the new key begins a new log at the path
    with AuditLog.open(load_settings(tmp_path / "audit.db.toml").audit) as new_log:
        new_log.append(entry(100))
    assert onepoint_audit(tmp_path, "verify", key=NEW_KEY).output == "OK: 1 rows, chain intact\n"


def test_the_archive_is_refused_while_a_writer_has_the_log_open(tmp_path: Path) -> None:
    with AuditLog.open(load_settings(_config(tmp_path)).audit) as log:
        log.append(entry(1))
        result = onepoint_audit(tmp_path, "archive", "--to", str(tmp_path / "old.db"))
    assert result.exit_code == 2 and "is still open" in result.output and "--no-workers" in result.output
    assert (tmp_path / "audit.db").is_file() and not (tmp_path / "old.db").exists()


def test_a_writer_is_refused_while_the_archive_runs(tmp_path: Path) -> None:
    from hub.audit.writers_lock import no_writer_on

    filled_log(tmp_path / "audit.db", 2).close()
    with no_writer_on(tmp_path / "audit.db"), pytest.raises(AuditDatabaseUnavailable, match="audit archive"):
        AuditLog.open(load_settings(_config(tmp_path)).audit)


def test_a_broken_chain_is_not_moved_unless_told(tmp_path: Path) -> None:
    filled_log(tmp_path / "audit.db", 4).close()
    tamper(tmp_path / "audit.db", "UPDATE audit_log SET operator = 'someone' WHERE seq = 2")
    refused = onepoint_audit(tmp_path, "archive", "--to", str(tmp_path / "old.db"))
    assert refused.exit_code == 1 and "ALTERED at row 2" in refused.output and not (tmp_path / "old.db").exists()
    moved = onepoint_audit(tmp_path, "archive", "--to", str(tmp_path / "old.db"), "--unverified")
    assert moved.exit_code == 0 and "ALTERED at row 2" in moved.output and (tmp_path / "old.db").is_file()


def test_an_existing_destination_is_never_written_over(tmp_path: Path) -> None:
    filled_log(tmp_path / "audit.db", 1).close()
    (tmp_path / "old.db").write_bytes(b"x")
    result = onepoint_audit(tmp_path, "archive", "--to", str(tmp_path / "old.db"))
    assert result.exit_code == 2 and "never writes over" in result.output
    assert (tmp_path / "old.db").read_bytes() == b"x"


def test_a_log_in_postgresql_is_refused_naming_what_to_do(tmp_path: Path) -> None:
    config = tmp_path / "pg.toml"
    config.write_text(f'[audit]\ndatabase = "postgresql+psycopg://hub@127.0.0.1:1/onepoint"\nkey_env = "{KEY_ENV}"\n')
    result = CliRunner().invoke(audit, ["archive", "--to", str(tmp_path / "x"), "--config", str(config)],
                                env={KEY_ENV: OLD_KEY})
    assert result.exit_code == 2 and "moves a SQLite file only" in result.output


def test_no_new_log_is_created_beside_an_orphaned_wal(tmp_path: Path) -> None:
    killed_writer(tmp_path / "audit.db", 3)
    (tmp_path / "audit.db").rename(tmp_path / "old-audit.db")  # the README's old advice: rename the file
    with pytest.raises(AuditDatabaseUnavailable, match=r"audit.db-wal.* without its database file audit.db"):
        AuditLog.open(load_settings(_config(tmp_path)).audit)
    assert not (tmp_path / "audit.db").exists()


def test_verify_with_a_head_of_an_emptied_file_is_a_finding(tmp_path: Path) -> None:
    filled_log(tmp_path / "audit.db", 3).close()
    head = onepoint_audit(tmp_path, "head").output.strip()
    (tmp_path / "audit.db").write_bytes(b"")
    with_head = onepoint_audit(tmp_path, "verify", "--head", head)
    assert with_head.exit_code == 1, with_head.output
    assert with_head.output.startswith("TRUNCATED at row 1:") and "rows 1..3 are gone" in with_head.output
    without = onepoint_audit(tmp_path, "verify")
    assert without.exit_code == 2 and "holds no table at all" in without.output


@pytest.fixture(autouse=True)
def _old_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, OLD_KEY)  # the writers these tests open in-process (the CLI is given its own)


def _config(folder: Path) -> Path:
    config = folder / "hub.toml"
    config.write_text(f'[audit]\npath = "audit.db"\nkey_env = "{KEY_ENV}"\n')
    return config


def test_an_ingress_that_refused_nothing_yet_keeps_the_archive_off(tmp_path: Path) -> None:
    """The ingress opens the log at its first refusal only; it holds the writers' lock from its start, so an archive
    cannot move the log and leave the ingress to begin a new one under the old key at the path."""
    from hub.audit.writers_lock import no_writer_on
    from hub.config import ConfigError
    from hub.ingress.refusal_audit import refusal_audit

    filled_log(tmp_path / "audit.db", 2).close()
    settings = load_settings(_config(tmp_path))
    refusals = refusal_audit(settings, {"dsmp"})  # nothing refused yet: the log not opened
    try:
        result = onepoint_audit(tmp_path, "archive", "--to", str(tmp_path / "old.db"))
        assert result.exit_code == 2 and "is still open" in result.output
    finally:
        refusals.close()
    with no_writer_on(tmp_path / "audit.db"), pytest.raises(ConfigError, match="audit archive"):
        refusal_audit(settings, {"dsmp"})  # an ingress started while the archive runs stops at once
    assert onepoint_audit(tmp_path, "archive", "--to", str(tmp_path / "old.db")).exit_code == 0
