"""``onepoint workorders show`` and ``list`` (audit 5): times in ``[workflow] statistics_timezone``, the zone named
in the headers as ``onepoint stats`` names it, whatever the machine's zone (they printed the machine's local time,
unlabelled); ``show`` prints what the complaint is -- description, intake point, location, occurred time, contact
number (masked), linked incident and outage, satisfaction, the dispatch -- not only its state and deadlines."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.store import HistoryEntry, WorkOrderStore
from tests.support.workorder_store import T0, make_row

pytestmark = pytest.mark.unit

ZONE = "Pacific/Chatham"  # UTC+13:45 in December: no machine's zone, and its days are not UTC's
WORK_ORDER = "WO20261203FIELDS01"
DESCRIPTION = "No signal at home since Monday [/urgent], call me on 139 0013 9000"


@pytest.fixture
def config(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'wo.db'}"
    store = WorkOrderStore.open(url)
    dispatch = {"fault_place": "Futian, near home", "msisdn": "13800138000", "terminal_type": "Xiaomi 14"}
    with store.transaction() as tx:
        tx.insert_work_order(make_row(
            id=WORK_ORDER, msisdn="13800138000", contact_number="0755-86001234", phenomenon="No signal",
            description=DESCRIPTION, occurred_at=T0 - timedelta(hours=2), location="Futian, near home",
            district="Futian", taken_by="cs-agent-0042", intake_point="HOTLINE-0755", sp_code="SP-0099",
            incident_id="WO20261203INCIDENT", outage_id="FLT-20261203-0001", satisfaction="DISSATISFIED",
            dispatch_system="NSP", dispatch_fields=json.dumps(dispatch), invalid_dispatches=1, owner="NMC",
            account_manager_id="am-0755-0005", repeat_complaint=True, group_id="4403001288",
            group_name="深圳市华信精密制造有限公司", group_role="DECISION_MAKER", reply_due=T0 + timedelta(days=1),
            replied_at=T0 + timedelta(hours=5), state="REPLIED"),
            history=[HistoryEntry(at=T0, kind="state", actor="cs-agent-0042", system="CS", action="CREATE",
                                  to_state="NEW", note="HOTLINE complaint")])
    store.close()
    path = tmp_path / "hub.toml"
    path.write_text(f'[workflow]\ndatabase = "{url}"\nstatistics_timezone = "{ZONE}"\n')
    return str(path)


def run(*args: str) -> str:
    result = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["workorders", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def rows(output: str) -> dict[str, str]:
    """The fields table of ``show`` as label -> value (a value over several lines joined by " | ")."""
    found: dict[str, str] = {}
    label = ""
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) != 2:
            if found and line.startswith("└"):
                break
            continue
        if cells[0]:
            label = cells[0]
            found[label] = cells[1]
        elif label:
            found[label] += " | " + cells[1]
    return found


def test_show_prints_the_group_customer_the_customer_belongs_to(config: str) -> None:
    fields = rows(run("show", WORK_ORDER, "--config", config))
    assert fields["group customer"] == "4403001288 深圳市华信精密制造有限公司 (DECISION_MAKER)"  # before: not shown


def test_list_prints_times_in_the_statistics_zone_and_names_it(config: str) -> None:
    listed = run("list", "--config", config)
    # T0 is 2026-12-03 08:00 UTC: 21:45 in Chatham; the reply was due a day later, and it is replied: no reply is
    # awaited, so the column says "—" (as `stats` no more counts it overdue)
    assert "times in Pacific/Chatham" in listed  # the title names the zone (the columns keep their width)
    words = listed.split()
    assert "2026-12-03" in words and "21:45:00" in words  # a date above its time
    assert "08:00:00" not in words and "2026-12-04" not in words and "—" in words


def test_show_prints_times_in_the_statistics_zone_and_names_it(config: str) -> None:
    shown = run("show", WORK_ORDER, "--config", config)
    assert f"{WORK_ORDER}: REPLIED (times in Pacific/Chatham)" in shown
    assert "history (times in Pacific/Chatham)" in shown  # the history's title (its "when" column: 80 columns)
    fields = rows(shown)
    assert fields["created"] == "2026-12-03 21:45:00"
    assert fields["occurred"] == "2026-12-03 19:45:00"
    assert fields["replied"] == "2026-12-04 02:45:00"
    assert fields["reply due"] == "2026-12-04 21:45:00"


def test_show_prints_what_the_complaint_is(config: str) -> None:
    fields = rows(run("show", WORK_ORDER, "--config", config))
    assert fields["type"] == "COMPLAINT, repeat complaint"
    assert fields["channel"] == "hotline" and fields["intake point"] == "HOTLINE-0755"
    assert fields["taken by"] == "cs-agent-0042" and fields["category"] == "01.02.03 No signal"
    # printed as written (no markup read in it), the number in it masked
    assert fields["description"] == "No signal at home since Monday [/urgent], call me on 139****9000"
    assert fields["location"] == "Futian, near home" and fields["area / district"] == "0755 / Futian"
    assert fields["number"] == "…8000" and fields["contact number"] == "…1234"
    assert fields["SP"] == "SP-0099"
    assert fields["incident"] == "WO20261203INCIDENT" and fields["outage notice"] == "FLT-20261203-0001"
    assert fields["owner"] == "NMC" and fields["account manager"] == "am-0755-0005"
    assert fields["dispatched to"] == "NSP (1 sent back as invalid)"
    # the customer's own number as its row shows it (138****8000 would show what the row hides)
    assert fields["dispatch fields"] == ("fault_place: Futian, near home | msisdn: …8000 | "
                                         "terminal_type: Xiaomi 14")
    assert fields["satisfaction"] == "DISSATISFIED"
    assert fields["closed"] == "—" and fields["paused since"] == "—"


def test_show_unmasked_prints_the_numbers_as_they_are(config: str) -> None:
    fields = rows(run("show", WORK_ORDER, "--config", config, "--unmasked"))
    assert fields["number"] == "13800138000" and fields["contact number"] == "0755-86001234"
    assert fields["description"].endswith("call me on 139 0013 9000")
    assert "msisdn: 13800138000" in fields["dispatch fields"]
