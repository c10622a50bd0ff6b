"""``onepoint workorders``: a work order's timeline, a list, and recalculation, on the settings' database."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from rich.console import Console
from sqlalchemy import update

from hub import workflow
from hub.cli.main import main
from hub.observability import console
from hub.routing.route_entries import TIERS
from hub.workers import WorkerTestClient
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.schema import work_orders
from tests.support.workorder_store import T0, make_row
from tests.unit.workflow.kit import answer, command, envelope, text

pytestmark = pytest.mark.unit


def test_show_list_and_recalculate(client: WorkerTestClient, config: Path) -> None:
    work_order_id = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId")
    assert work_order_id is not None
    shown = CliRunner().invoke(main, ["workorders", "show", work_order_id, "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert f"{work_order_id}: ACCEPTED" in shown.output
    assert "CREATE" in shown.output and "NEW → ACCEPTED" in shown.output and "REPLY:ALARM" in shown.output
    assert "13800138000" not in shown.output  # the number is masked but for its last 4 digits
    listed = CliRunner().invoke(main, ["workorders", "list", "--state", "ACCEPTED", "--config", str(config)])
    assert listed.exit_code == 0 and work_order_id in listed.output and "1 work order(s)" in listed.output
    again = CliRunner().invoke(main, ["workorders", "recalculate", "--config", str(config)])
    assert again.exit_code == 0 and again.output.startswith("0 open work order(s) recalculated")
    missing = CliRunner().invoke(main, ["workorders", "show", "WO20260101AAAAAAAA", "--config", str(config)])
    assert missing.exit_code != 0 and "no work order WO20260101AAAAAAAA" in missing.output


def test_the_list_shows_every_id_and_state_whole_in_an_80_column_terminal(
        client: WorkerTestClient, runtime: WorkflowRuntime, config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, every id was cut to ``WO2026…`` at 80 columns (and the state, the category): nothing to copy to
    ``workorders show``. The longest state and tier, and an owner of 64 characters, make the widest rows."""
    ids = [text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml", Msisdn=msisdn)))),
                "wo:WorkOrderId") for msisdn in ("13800138000", "13800138001")]
    with runtime.store.engine.begin() as connection:
        connection.execute(update(work_orders).where(work_orders.c.id == ids[0]).values(
            state="DISPATCH_REJECTED", tier="GROUP_KEY_PERSON", owner="NETWORK_OPTIMISATION_" * 3))
    monkeypatch.setattr(console, "report_console", lambda: Console(width=80))
    listed = CliRunner().invoke(main, ["workorders", "list", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert max(cell_len(line) for line in lines) <= 80 and "…" not in listed.output
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.startswith("WO")}
    assert set(rows) == set(ids)  # each id whole, the first word of its row: copied as it is
    assert rows[ids[0]][0] == "DISPATCH_REJECTED" and rows[ids[1]][0] == "ACCEPTED"
    assert all(row[2] == "01.02.03" for row in rows.values())  # the category whole
    assert "times in Asia/Shanghai" in lines[0]


def test_the_list_reads_at_80_columns_with_the_widest_values(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, a page holding the longest state and a level-4 category left the tier and the owner one column
    each: printed a letter a line (two work orders, 49 lines). Now a work order takes two lines, the owner under
    the id and the tier under the state, each whole: the widest state and tier of the code, the longest
    department a work order can be owned by, a level-4 category."""
    state = max((state.value for state in WorkOrderState), key=len)
    tier = max(TIERS, key=len)
    departments = tomllib.loads((Path(workflow.__file__).parent / "data" / "calendars.toml").read_text())
    owner = max(departments["departments"], key=len)
    url = f"sqlite:///{tmp_path / 'wo.db'}"
    store = WorkOrderStore.open(url)
    with store.transaction() as tx:
        for n, (row_state, row_tier, row_owner) in enumerate([("ACCEPTED", None, None), (state, tier, owner)]):
            tx.insert_work_order(make_row(n, id=f"WO20261203WIDEST0{n}", state=row_state, tier=row_tier,
                                          owner=row_owner, category_code="01.02.03.001", priority=1,
                                          reply_due=T0 + timedelta(hours=5)))
    store.close()
    (tmp_path / "hub.toml").write_text(f'[workflow]\ndatabase = "{url}"\n')
    monkeypatch.setattr(console, "report_console", lambda: Console(width=80))
    listed = CliRunner().invoke(main, ["workorders", "list", "--config", str(tmp_path / "hub.toml")])
    assert listed.exit_code == 0, listed.output
    lines = [line.split() for line in listed.output.splitlines() if line.strip()]
    assert max(cell_len(line) for line in listed.output.splitlines()) <= 80 and "…" not in listed.output
    # the title, the header's two lines, its rule, two lines a work order and a third under its reply due once that
    # passed unreplied (both: T0 is past)
    assert len(lines) == 1 + 2 + 1 + 3 * 2
    assert lines[4:] == [["WO20261203WIDEST01", state, "2026-12-03", "01.02.03.001", "1", "2026-12-03"],
                         [owner, tier, "16:01:00", "21:00:00"], ["overdue"],  # newest first
                         ["WO20261203WIDEST00", "ACCEPTED", "2026-12-03", "01.02.03.001", "1", "2026-12-03"],
                         ["16:00:00", "21:00:00"], ["overdue"]]


def test_the_readme_names_the_zone_where_show_prints_it(client: WorkerTestClient, config: Path) -> None:
    """README quoted ``created (Asia/Shanghai)`` for ``show``; it prints the zone in its titles (``(times in
    Asia/Shanghai)``) above a bare ``created`` row, and in its deadline columns (the newcomer audit)."""
    work_order_id = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId")
    shown = CliRunner().invoke(main, ["workorders", "show", str(work_order_id), "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    readme = " ".join((Path(__file__).resolve().parents[3] / "README.md").read_text("utf-8").split())
    said = readme.split("and name it (in `show`'s title, ", 1)[1].split("whatever the machine's zone", 1)[0]
    quoted = re.findall(r"`([^`]+)`", said)
    assert f"{work_order_id}: ACCEPTED (times in Asia/Shanghai)" in shown.output
    for phrase in quoted:
        if phrase.startswith("WO"):  # the title, of another work order in another state
            assert phrase.split(": ", 1)[1].split(" ", 1)[1] in shown.output
        elif phrase in ("created", "first responded"):  # a row's label, bare
            assert re.search(rf"^\W*{phrase}\s", shown.output, re.M), phrase
        elif phrase != "times in Asia/Shanghai":  # the list's title (test_the_list_shows_every_id...)
            assert phrase in shown.output, phrase
    assert "created (Asia/Shanghai)" not in shown.output and "created (Asia/Shanghai)" not in said


@pytest.mark.parametrize("typed", ["lower", "padded", "full-width"])
def test_show_takes_the_id_in_any_case_as_a_person_types_it(client: WorkerTestClient, config: Path,
                                                            typed: str) -> None:
    """Before, ``workorders show wo2026…`` said "no work order" (the ids are WO, the date, capitals or digits)."""
    work_order_id = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId")
    assert work_order_id is not None
    given = {"lower": work_order_id.lower(), "padded": f" {work_order_id}\n",
             "full-width": "".join(chr(ord(ch) + 0xFEE0) for ch in work_order_id.lower())}[typed]
    shown = CliRunner().invoke(main, ["workorders", "show", given, "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert f"{work_order_id}: ACCEPTED" in shown.output
    missing = CliRunner().invoke(main, ["workorders", "show", "wo20260101aaaaaaaa", "--config", str(config)])
    assert missing.exit_code != 0 and "no work order WO20260101AAAAAAAA" in missing.output
