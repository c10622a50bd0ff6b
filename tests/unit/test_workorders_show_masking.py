"""``onepoint workorders show`` masks numbers in notes however they are written (audit: 138-0013-8000,
+86 137 0013 7000 and full-width digits were printed as they are)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.store import HistoryEntry, WorkOrderStore
from tests.support.workorder_store import T0, make_row

pytestmark = pytest.mark.unit

NOTE = "请回拨客户 139 0013 9000 或 138-0013-8000 (+86 137 0013 7000)，备用 １３６００１３６０００"


def test_workorders_show_masks_every_spelling_of_a_number_in_notes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wo.db'}"
    store = WorkOrderStore.open(url)
    with store.transaction() as tx:
        tx.insert_work_order(make_row(id="WO20261205SPELL001", msisdn="13500135000"),
                             history=[HistoryEntry(at=T0, kind="state", actor="agent-7", system="CS",
                                                   action="CREATE", to_state="NEW", note=NOTE)])
    store.close()
    (tmp_path / "hub.toml").write_text(f'[workflow]\ndatabase = "{url}"\n')
    config = str(tmp_path / "hub.toml")
    result = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["workorders", "show", "WO20261205SPELL001",
                                                             "--config", config])
    assert result.exit_code == 0, result.output
    for masked in ("139****9000", "138****8000", "137****7000", "136****6000"):  # none the work order's own
        assert masked in result.output
    for shown in ("139 0013 9000", "138-0013-8000", "137 0013 7000", "１３６００１３６０００"):
        assert shown not in result.output
    unmasked = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["workorders", "show", "WO20261205SPELL001",
                                                               "--config", config, "--unmasked"])
    assert "138-0013-8000" in unmasked.output
