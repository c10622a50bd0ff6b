"""``onepoint backup --to DIR``: every SQLite file of the hub's state copied online (SQLite's backup API) while the
hub has it open, each copy consistent with what the ``-wal`` held (a plain copy of the file lacks the last commits),
one line per file; a database on a server is named for pg_dump; an existing copy is never replaced."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from hub.cli.main import main
from hub.workflow.store import WorkOrderStore

pytestmark = pytest.mark.unit


def _rows(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT count(*) FROM backup_probe").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def test_every_sqlite_file_is_copied_online_with_what_its_wal_holds(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hub.toml").write_text('[workflow]\ndatabase = "onepoint-workorders.db"\n')
    sqlite3.connect(tmp_path / "onepoint-nsp.sqlite3").close()  # a worker's processed records
    store = WorkOrderStore.open(f"sqlite:///{tmp_path / 'onepoint-workorders.db'}")  # the running hub
    try:
        with store.engine.begin() as connection:
            connection.execute(text("CREATE TABLE backup_probe (x INTEGER)"))
            connection.execute(text("INSERT INTO backup_probe VALUES (1)"))
        assert (tmp_path / "onepoint-workorders.db-wal").stat().st_size > 0  # the commit is in the -wal
        shutil.copy(tmp_path / "onepoint-workorders.db", tmp_path / "plain-copy.db")
        result = CliRunner().invoke(main, ["backup", "--to", "bk", "--config", "hub.toml"])
    finally:
        store.close()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith(f"copied {tmp_path / 'onepoint-workorders.db'} ([workflow] database) -> bk/"
                               "onepoint-workorders.db: ") for line in lines), lines
    assert any("onepoint-nsp.sqlite3 (a worker's processed messages (working folder)) -> bk/" in line
               for line in lines), lines
    assert f"no file: {tmp_path / 'onepoint-audit.db'} ([audit] path): nothing to copy" in lines
    assert lines[-1].startswith("not copied by this command: RabbitMQ's queues and dead letters")
    assert _rows(tmp_path / "bk" / "onepoint-workorders.db") == 1
    assert not (tmp_path / "bk" / "onepoint-workorders.db-wal").exists()
    assert _rows(tmp_path / "plain-copy.db") == 0  # without its -wal the file lacks the commit

    again = CliRunner().invoke(main, ["backup", "--to", "bk", "--config", "hub.toml"])
    assert again.exit_code == 1 and "bk/onepoint-workorders.db exists already" in again.output


def test_a_database_on_a_server_is_named_for_pg_dump(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hub.toml").write_text(
        '[workflow]\ndatabase = "postgresql+psycopg://hub:hunter2@127.0.0.1:1/workorders"\n')
    result = CliRunner().invoke(main, ["backup", "--to", "bk", "--config", "hub.toml"])
    assert result.exit_code == 0, result.output
    assert ("not copied: [workflow] database is on a database server "
            "(postgresql+psycopg://hub:***@127.0.0.1:1/workorders): pg_dump it") in result.output
    assert "hunter2" not in result.output
