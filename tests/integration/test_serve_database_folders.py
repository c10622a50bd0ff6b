"""``onepoint serve`` whose ``[workflow] database`` or ``[bulletin] path`` lies in a folder that does not exist (a
typo, a volume not mounted), or whose work-order database a newer release migrated: one line naming the setting and
the file, exit 1."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.migrate import head_revision

pytestmark = pytest.mark.integration


def _serve(tmp_path: Path, settings: str) -> list[str]:
    config = tmp_path / "hub.toml"
    config.write_text(settings + "[audit]\ndevelopment_key = true\n")
    result = CliRunner().invoke(main, ["serve", "--config", str(config), "--port", "0", "--no-emulators",
                                       "--log-level", "CRITICAL"])
    assert result.exit_code == 1, result.output
    return [line for line in result.output.splitlines() if not line.startswith("{")]


@pytest.mark.parametrize("setting", ["[workflow]\ndatabase", "[bulletin]\npath"])
def test_a_database_in_a_missing_folder_is_named_with_its_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  setting: str) -> None:
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "missing-volume" / "some.db"
    lines = _serve(tmp_path, f'{setting} = "{missing}"\n')
    name = setting.replace("\n", " ")
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Error: {tmp_path / 'hub.toml'}: cannot start the ")
    assert f"{name} {missing}: the folder {missing.parent} does not exist" in lines[0]


def test_a_work_order_database_of_a_newer_release_is_refused_in_one_line(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "wo.db"
    WorkOrderStore.open(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE workflow_alembic_version SET version_num = '0042'")
    connection.close()
    lines = _serve(tmp_path, f'[workflow]\ndatabase = "{path}"\n')
    assert lines == [f"Error: {tmp_path / 'hub.toml'}: cannot start the workflow worker: work-order database "
                     f"sqlite:///{path} is at revision 0042, newer than this release's head {head_revision()}; run "
                     "the release that migrated it"]
