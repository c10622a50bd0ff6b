"""A work-order database whose version table did not come with it (a partial restore: the tables only) is refused
in one line naming the version table and the repair, by ``onepoint workorders migrate`` (before: a raw
"OperationalError: table work_orders already exists"), by the reading commands (before: "at revision none ...
`onepoint workorders migrate` does") and at the hub's start, where the line names the work-order database whichever
worker opened it first (before: "cannot start the dsmp worker")."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.config.settings import load_settings
from hub.system.start_errors import start_failure
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.migrate import NoRevision, head_revision

pytestmark = pytest.mark.unit

REPAIR = ("has the work-order tables but no revision in its version table workflow_alembic_version (missing or "
          "empty: a partial restore, the tables without it)")


def restored_without_version(tmp_path: Path, *, empty: bool = False) -> tuple[Path, Path]:
    path = tmp_path / "wo.db"
    WorkOrderStore.open(f"sqlite:///{path}").close()
    db = sqlite3.connect(path)
    db.execute("DELETE FROM workflow_alembic_version" if empty else "DROP TABLE workflow_alembic_version")
    db.commit()
    db.close()
    config = tmp_path / "hub.toml"
    config.write_text('[workflow]\ndatabase = "wo.db"\n')
    return path, config


@pytest.mark.parametrize("empty", [False, True])
def test_migrate_refuses_it_naming_the_version_table_and_the_repair(tmp_path: Path, empty: bool) -> None:
    path, config = restored_without_version(tmp_path, empty=empty)
    result = CliRunner().invoke(main, ["workorders", "migrate", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert "already exists" not in result.output
    said = " ".join(result.output.split())
    assert said.startswith(f"Error: work-order database sqlite:///{path} {REPAIR}")
    assert f"this release's head is {head_revision()}" in said and "Restore the whole database" in said


def test_the_reading_commands_refuse_it_the_same_way(tmp_path: Path) -> None:
    _, config = restored_without_version(tmp_path)
    result = CliRunner().invoke(main, ["workorders", "list", "--config", str(config)])
    assert result.exit_code == 1 and REPAIR in " ".join(result.output.split())
    assert "`onepoint workorders migrate` (or this release's `onepoint serve`) does" not in result.output


def test_the_hub_start_names_the_work_order_database_not_the_worker_that_opened_it(tmp_path: Path) -> None:
    path, config = restored_without_version(tmp_path)
    with pytest.raises(NoRevision) as refused:
        WorkOrderStore.open(f"sqlite:///{path}")
    line = start_failure(load_settings(config), "dsmp", refused.value)
    assert "cannot start the dsmp worker" not in line
    assert line.startswith(f"{config}: [workflow] database: work-order database sqlite:///{path} {REPAIR}")
