"""``onepoint workorders`` and ``onepoint stats`` on the work-order database of the settings: the read-only commands
never create one (audit d14), one that cannot be opened is one line (d2), and ``workorders show`` masks phone
numbers in notes and values unless ``--unmasked`` (d15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli.main import main
from hub.workflow.store import HistoryEntry, WorkOrderStore
from tests.support.workorder_store import T0, make_row

pytestmark = pytest.mark.unit


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    assert "Traceback" not in result.output
    return result.output


def config(tmp_path: Path, database: str) -> str:
    path = tmp_path / "hub.toml"
    path.write_text(f'[workflow]\ndatabase = "{database}"\n')
    return str(path)


@pytest.mark.parametrize("command", [["workorders", "list"], ["workorders", "show", "WO1"], ["stats"],
                                     ["stats", "--json"]])
def test_read_only_commands_never_create_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    command: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    output = one_line_error(run(*command))  # the built-in settings: onepoint-workorders.db here
    assert f"no work-order database at {tmp_path / 'onepoint-workorders.db'}" in output
    typo = tmp_path / "typo-workorders.db"
    output = one_line_error(run(*command, "--config", config(tmp_path, str(typo))))
    assert f"no work-order database at {typo}" in output
    assert list(tmp_path.glob("*.db")) == []


@pytest.mark.parametrize("command", [["workorders", "recalculate"], ["stats", "rebuild"]])
def test_a_database_that_cannot_be_opened_is_one_line(tmp_path: Path, command: list[str]) -> None:
    output = one_line_error(run(*command, "--config", config(tmp_path, f"{tmp_path}/no/such/dir/wo.db")))
    assert f"no work-order database at {tmp_path}/no/such/dir/wo.db" in output  # nor is one created there


def test_a_file_that_is_no_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("not a database " * 100)
    output = one_line_error(run("workorders", "list", "--config", config(tmp_path, str(tmp_path / "notes.db"))))
    assert "cannot open the work-order database" in output and "DatabaseError" in output


@pytest.fixture
def noted(tmp_path: Path) -> str:
    """A work order whose history note carries the customer's number and a call-back number."""
    url = f"sqlite:///{tmp_path / 'wo.db'}"
    store = WorkOrderStore.open(url)
    with store.transaction() as tx:
        tx.insert_work_order(make_row(id="WO20261203AUDIT001", msisdn="13800138000"),
                             history=[HistoryEntry(at=T0, kind="state", actor="agent-7", system="CS",
                                                   action="CREATE", to_state="NEW",
                                                   note="客户13800138000来电，回拨13912345678")])
    store.close()
    return config(tmp_path, url)


def test_workorders_show_masks_the_numbers_in_notes(noted: str) -> None:
    result = run("workorders", "show", "WO20261203AUDIT001", "--config", noted)
    assert result.exit_code == 0, result.output
    # the customer's own number as its row shows it, everywhere; another one as 139****5678
    assert "客户…8000来电" in result.output and "138****8000" not in result.output and "139****5678" in result.output
    assert "13800138000" not in result.output and "13912345678" not in result.output


def test_workorders_show_unmasked_prints_them_as_they_are(noted: str) -> None:
    result = run("workorders", "show", "WO20261203AUDIT001", "--config", noted, "--unmasked")
    assert result.exit_code == 0, result.output
    assert "13800138000" in result.output and "13912345678" in result.output
