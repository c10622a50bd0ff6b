"""``onepoint workorders show`` masks the mailboxes a work order's history holds (``mail_sent_to``: the handler an
offline department's dispatch was e-mailed to; ``mail_from``: the sender of the e-mailed answer) as the hub masks
a mailbox everywhere else (``b***@example.com``), the dispatch's key kept; ``--unmasked`` shows them whole, as it
shows the numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.store import HistoryEntry, WorkOrderStore
from tests.support.workorder_store import T0, make_row

pytestmark = pytest.mark.unit

WORK_ORDER = "WO20261207MAILBOX1"
HANDLER, SENDER = "zhang.wei@billing.example.com", "li.na@billing.example.com"


def _show(tmp_path: Path, *options: str) -> str:
    url = f"sqlite:///{tmp_path / 'wo.db'}"
    if not (tmp_path / "wo.db").exists():
        store = WorkOrderStore.open(url)
        with store.transaction() as tx:
            tx.insert_work_order(make_row(id=WORK_ORDER), history=[
                HistoryEntry(at=T0, kind="field", actor="hub", system="HUB", field="mail_sent_to",
                             new_value=f"{WORK_ORDER}-dsp1: {HANDLER}", note="dispatch 1 e-mailed"),
                HistoryEntry(at=T0, kind="field", actor="BILLING", system="MAIL", field="mail_from",
                             new_value=SENDER, note="answered by e-mail (dispatch 1)")])
        store.close()
        (tmp_path / "hub.toml").write_text(f'[workflow]\ndatabase = "{url}"\n')
    result = CliRunner(env={"COLUMNS": "250"}).invoke(
        main, ["workorders", "show", WORK_ORDER, "--config", str(tmp_path / "hub.toml"), *options])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_the_mailboxes_in_the_history_are_masked(tmp_path: Path) -> None:
    shown = _show(tmp_path)
    assert HANDLER not in shown and SENDER not in shown
    assert f"mail_sent_to: → {WORK_ORDER}-dsp1: z***@billing.example.com" in shown
    assert "mail_from: → l***@billing.example.com" in shown


def test_unmasked_shows_them_whole(tmp_path: Path) -> None:
    shown = _show(tmp_path, "--unmasked")
    assert f"{WORK_ORDER}-dsp1: {HANDLER}" in shown and SENDER in shown
