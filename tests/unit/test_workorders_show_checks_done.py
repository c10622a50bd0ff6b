"""``onepoint workorders show`` shows the pre-processing checks the agent said were made (``wo:CheckDone``): each a
CHECK_DONE entry of the history's timeline, its number and the check's text (hub.workflow.checks_done)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from hub.cli.main import main
from hub.observability import console
from hub.workflow.checks_done import check_entries
from hub.workflow.store import WorkOrderStore
from tests.support.workorder_store import T0, make_row

pytestmark = pytest.mark.unit

WORK_ORDER = "WO20261207K3MMOR15"
CHECK = "Outgoing-call barring on the account: balance, credit limit, arrears stop (BOSS)"


def test_the_checks_made_are_in_the_timeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'wo.db'}"
    store = WorkOrderStore.open(url)
    with store.transaction() as tx:
        tx.insert_work_order(make_row(id=WORK_ORDER), history=check_entries(
            {1: CHECK}, template="voice_originate", at=T0, actor="agent-1024", system="CS", message_id=None,
            stated_with="with the dispatch"))
    store.close()
    path = tmp_path / "hub.toml"
    path.write_text(f'[workflow]\ndatabase = "{url}"\n')
    monkeypatch.setattr(console, "report_console", lambda: Console(width=240))
    result = CliRunner().invoke(main, ["workorders", "show", WORK_ORDER, "--config", str(path)])
    assert result.exit_code == 0, (result.output, result.exception)
    history = result.output[result.output.index("history"):result.output.index("deadline rows")]
    assert "CHECK_DONE" in history and f"check.1: → {CHECK}" in history, history
    assert "check 1 of template voice_originate, stated with the dispatch" in history
