"""``onepoint audit verify`` and ``show`` only read: a copy not in WAL mode keeps its bytes, a log on storage the
hub cannot write is checked, a log whose rows' table was dropped is reported as tampering (exit 1), and a row's
free text is printed as written, never as Rich markup."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.audit import AuditLog, Problem, SQLiteAuditStorage
from hub.cli.audit import audit
from tests.unit.audit.kit import TEST_KEY, entry, filled_log

pytestmark = pytest.mark.unit

KEY_ENV = "TEST_AUDIT_READING_KEY"
KEY_TEXT = "audit-test-key-0123456789abcdef-0123456789"  # TEST_KEY's bytes


def onepoint_audit(folder: Path, *args: str) -> Result:
    config = folder / "hub.toml"
    if not config.exists():
        config.write_text(f'[audit]\npath = "audit.db"\nkey_env = "{KEY_ENV}"\n')
    return CliRunner().invoke(audit, [*args, "--config", str(config)], env={KEY_ENV: KEY_TEXT})


def evidence_copy(tmp_path: Path, rows: int = 12) -> Path:
    """A copy of a log as a backup holds it (``VACUUM INTO``: not in WAL mode), in a folder of its own."""
    filled_log(tmp_path / "live.db", rows).close()
    folder = tmp_path / "evidence"
    folder.mkdir()
    db = sqlite3.connect(tmp_path / "live.db")
    try:
        db.execute("VACUUM INTO ?", (str(folder / "audit.db"),))
    finally:
        db.close()
    return folder


def test_verify_never_changes_the_copy_it_checks(tmp_path: Path) -> None:
    folder = evidence_copy(tmp_path)
    before = hashlib.sha256((folder / "audit.db").read_bytes()).hexdigest()
    result = onepoint_audit(folder, "verify")
    shown = onepoint_audit(folder, "show")
    assert (result.exit_code, result.output) == (0, "OK: 12 rows, chain intact\n")
    assert shown.exit_code == 0
    assert hashlib.sha256((folder / "audit.db").read_bytes()).hexdigest() == before
    db = sqlite3.connect(folder / "audit.db")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
    finally:
        db.close()


def verify_on_read_only_storage(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """``onepoint audit verify`` of ``folder``'s ``audit.db`` with the folder read-only (as root, who writes
    anywhere, the folder is taken as read-only storage: a read-only mount), made writable again after."""
    (folder / "hub.toml").write_text(f'[audit]\npath = "audit.db"\nkey_env = "{KEY_ENV}"\n')
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    real_access = os.access
    if os.geteuid() == 0:
        monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if Path(path) == folder and mode == os.W_OK
                            else real_access(path, mode, **kw))
        monkeypatch.setattr(sqlite3, "connect", _without_writes(sqlite3.connect, folder))
    try:
        return onepoint_audit(folder, "verify")
    finally:
        folder.chmod(stat.S_IRWXU)


@pytest.mark.parametrize("wal", [False, True])
def test_a_log_on_storage_the_hub_cannot_write_is_checked(tmp_path: Path, wal: bool,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = evidence_copy(tmp_path)
    if wal:  # a WAL-mode copy without its -shm file: SQLite would have to create one beside it
        shutil.copy(tmp_path / "live.db", folder / "audit.db")
    result = verify_on_read_only_storage(folder, monkeypatch)
    assert (result.exit_code, result.output) == (0, "OK: 12 rows, chain intact\n")
    assert sorted(p.name for p in folder.iterdir()) == ["audit.db", "hub.toml"]


def test_a_copy_on_read_only_storage_whose_wal_holds_rows_is_not_checked_without_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opened immutable, SQLite would read the file without the rows its -wal file holds: a stale log reported
    intact. It says what to do instead (exit 2)."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    with filled_log(tmp_path / "live.db", 12):  # open: its newest rows still in the -wal file
        for name in ("live.db", "live.db-wal"):
            shutil.copy(tmp_path / name, folder / name.replace("live", "audit"))
    assert (folder / "audit.db-wal").stat().st_size > 0
    result = verify_on_read_only_storage(folder, monkeypatch)
    assert result.exit_code == 2
    assert "audit.db-wal holds rows not yet in the file" in result.output and "writable folder" in result.output


def _without_writes(connect: object, folder: Path) -> object:
    """``sqlite3.connect`` as on a read-only mount for root: a file of ``folder`` opened only read-only or
    immutable, and a WAL-mode file only immutable (SQLite cannot make its -shm file there)."""
    def read_only(target: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        text = str(target)
        if str(folder) in text:
            assert kwargs.get("uri") and ("mode=ro" in text or "immutable=1" in text), text
            if "mode=ro" in text and (folder / "audit.db").read_bytes()[18] == 2:  # WAL mode (file format 2)
                raise sqlite3.OperationalError("unable to open database file")
        return connect(target, *args, **kwargs)  # type: ignore[operator, no-any-return]
    return read_only


def test_every_row_dropped_with_its_table_is_tampering_not_a_log_that_cannot_be_checked(tmp_path: Path) -> None:
    filled_log(tmp_path / "audit.db", 20).close()
    db = sqlite3.connect(tmp_path / "audit.db")
    try:
        db.execute("DROP TABLE audit_log")
    finally:
        db.close()
    result = onepoint_audit(tmp_path, "verify")
    assert result.exit_code == 1
    assert result.output.startswith("TRUNCATED at row 1: the table of rows is gone (the anchor names row 20)")
    with AuditLog(SQLiteAuditStorage(tmp_path / "audit.db", create=False), TEST_KEY) as log:
        report = log.verify()
        assert log.count() == 0 and log.last(5) == []
    assert report.finding is not None and report.finding.problem is Problem.TRUNCATED


def test_a_file_without_any_audit_table_still_cannot_be_checked(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "audit.db").execute("CREATE TABLE other (x)").connection.close()
    result = onepoint_audit(tmp_path, "verify")
    assert result.exit_code == 2 and "holds no audit_log table" in result.output


@pytest.mark.parametrize("purpose", ["SMS codes not arriving [/] see ticket", "[conceal]hidden[/conceal] reason",
                                     "[link=https://example.test]ticket[/link]", "[bold red]urgent"])
def test_show_prints_a_callers_text_as_written_never_as_markup(tmp_path: Path, purpose: str) -> None:
    with filled_log(tmp_path / "audit.db", 1) as log:
        log.append(replace(entry(2), purpose=purpose, operator="net-bo-[/]x"))
    result = CliRunner().invoke(audit, ["show", "--config", str(_config(tmp_path))], env={KEY_ENV: KEY_TEXT},
                                terminal_width=400)
    assert result.exit_code == 0, result.output
    purpose_cells = [line.split("│")[8] for line in result.output.splitlines() if line.startswith("│")]
    assert purpose.replace(" ", "") in "".join(purpose_cells).replace(" ", "")  # folded over lines, as written
    assert "net-bo-[/]x" in result.output


def _config(folder: Path) -> Path:
    config = folder / "hub.toml"
    config.write_text(f'[audit]\npath = "audit.db"\nkey_env = "{KEY_ENV}"\n')
    return config
