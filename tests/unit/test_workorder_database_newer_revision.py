"""A work-order database migrated by a newer release (then rolled back) is refused before any migration runs, in
one line naming the database and both revisions: by the store, ``onepoint workorders`` and ``onepoint stats``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.migrate import head_revision

pytestmark = pytest.mark.unit

NEWER = "0042"


def newer_database(tmp_path: Path) -> Path:
    path = tmp_path / "wo.db"
    WorkOrderStore.open(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE workflow_alembic_version SET version_num = ?", (NEWER,))
    connection.close()
    return path


def expected(path: Path) -> str:
    return (f"work-order database sqlite:///{path} is at revision {NEWER}, newer than this release's head "
            f"{head_revision()}; run the release that migrated it")


def test_the_store_refuses_a_revision_it_does_not_know(tmp_path: Path) -> None:
    path = newer_database(tmp_path)
    with pytest.raises(RuntimeError) as caught:
        WorkOrderStore.open(f"sqlite:///{path}")
    assert str(caught.value) == expected(path)
    with sqlite3.connect(path) as connection:  # nothing was changed
        assert connection.execute("SELECT version_num FROM workflow_alembic_version").fetchall() == [(NEWER,)]
    connection.close()


@pytest.mark.parametrize("command", [["workorders", "list"], ["workorders", "show", "WO20261123ABCDEFGH"],
                                     ["workorders", "recalculate"], ["stats"], ["stats", "rebuild"]])
def test_the_commands_say_it_in_one_line(tmp_path: Path, command: list[str]) -> None:
    path = newer_database(tmp_path)
    config = tmp_path / "hub.toml"
    config.write_text('[workflow]\ndatabase = "wo.db"\n')
    result = CliRunner().invoke(main, [*command, "--config", str(config)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    assert result.output.splitlines() == [f"Error: {expected(path)}"]
