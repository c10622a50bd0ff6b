"""The commands (``onepoint workorders list|show|recalculate``, ``onepoint stats [rebuild]``) never migrate the
work-order database, nor create one: a database at an older revision (still used by the hubs of the older
release, or a backup being looked at) is refused in one line saying how to migrate it; ``onepoint workorders
migrate`` does, and says from which revision to which."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.store.dialect import create_store_engine
from hub.workflow.store.migrate import current_revision, head_revision, upgrade

pytestmark = pytest.mark.unit

OLD = "0004"


def older_database(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "wo.db"
    engine = create_store_engine(f"sqlite:///{path}")
    upgrade(engine, OLD)
    engine.dispose()
    config = tmp_path / "hub.toml"
    config.write_text('[workflow]\ndatabase = "wo.db"\n')
    return path, config


def revision(path: Path) -> str | None:
    engine = create_store_engine(f"sqlite:///{path}")
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [["workorders", "list"], ["workorders", "show", "WO20261123ABCDEFGH"], ["stats"],
                                     ["workorders", "recalculate"], ["stats", "rebuild"]])
def test_a_command_leaves_an_older_database_as_it_is(tmp_path: Path, command: list[str]) -> None:
    path, config = older_database(tmp_path)
    result = CliRunner().invoke(main, [*command, "--config", str(config)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    assert result.output.splitlines() == [
        f"Error: work-order database sqlite:///{path} is at revision {OLD}, older than this release's head "
        f"{head_revision()}; this command does not migrate it: `onepoint workorders migrate` (or this release's "
        "`onepoint serve`) does, once no hub of the older release uses it"]
    assert revision(path) == OLD


def test_migrate_brings_it_to_head_and_the_reading_commands_read_it(tmp_path: Path) -> None:
    path, config = older_database(tmp_path)
    migrated = CliRunner().invoke(main, ["workorders", "migrate", "--config", str(config)])
    assert migrated.exit_code == 0, migrated.output
    assert migrated.output.strip() == f"work-order database sqlite:///{path}: revision {OLD} -> {head_revision()}"
    assert revision(path) == head_revision()
    again = CliRunner().invoke(main, ["workorders", "migrate", "--config", str(config)])
    assert again.output.strip().endswith("(already there)")
    listed = CliRunner().invoke(main, ["workorders", "list", "--config", str(config)])
    assert listed.exit_code == 0, listed.output


@pytest.mark.parametrize("command", [["workorders", "recalculate"], ["stats", "rebuild"]])
def test_a_writing_command_creates_no_database_where_there_is_none(tmp_path: Path, command: list[str]) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[workflow]\ndatabase = "typo-workorders.db"\n')
    result = CliRunner().invoke(main, [*command, "--config", str(config)])
    assert result.exit_code == 1 and "no work-order database at" in result.output, result.output
    assert not (tmp_path / "typo-workorders.db").exists()
