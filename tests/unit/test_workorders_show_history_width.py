"""``onepoint workorders show`` on an 80-column terminal (the walkthrough audit): the history table folded every
column, so NSP's ticket ``NSP20261207343347`` came out as ``NSP20261207`` / ``343347`` and the owner
``CUSTOMER_SERVICE`` as ``CUSTOMER_SE`` / ``RVICE`` -- a ticket id copied from the terminal was a broken one. Now
when, who and what are never cut, a change wraps between its words (ids whole) and only the note may be folded."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from rich.console import Console

from hub.cli.main import main
from hub.observability import console
from hub.workflow.store import HistoryEntry, WorkOrderStore
from tests.support.workorder_store import T0, make_row

pytestmark = pytest.mark.unit

WORK_ORDER = "WO20261207K3MMOR14"
TICKET = "NSP20261207343347"
NOTE = "Customer called back: still no calls since the morning, asks for an engineer to visit today"


@pytest.fixture
def config(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'wo.db'}"
    store = WorkOrderStore.open(url)
    with store.transaction() as tx:
        tx.insert_work_order(make_row(id=WORK_ORDER, owner="NOC-PROV", state="IN_PROGRESS"), history=[
            HistoryEntry(at=T0, kind="state", actor="agent-1024", system="CS", action="DISPATCH",
                         from_state="ACCEPTED", to_state="DISPATCHED", note="check cell"),
            HistoryEntry(at=T0, kind="field", actor="agent-1024", system="CS", field="owner",
                         old_value="CUSTOMER_SERVICE", new_value="NOC-PROV"),
            HistoryEntry(at=T0, kind="state", actor="agent-1024", system="CS", action="REJECT_DISPATCH",
                         from_state="DISPATCH_REJECTED", to_state="ACCEPTED", note=NOTE),
            HistoryEntry(at=T0, kind="field", actor="nmc-020-153", system="NSP", field="nsp_nspticketid",
                         new_value=TICKET, note="NSP answered the dispatch (Wu Ting)")])
    store.close()
    path = tmp_path / "hub.toml"
    path.write_text(f'[workflow]\ndatabase = "{url}"\nstatistics_timezone = "Asia/Shanghai"\n')
    return str(path)


def test_the_history_keeps_ids_whole_at_80_columns(config: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "report_console", lambda: Console(width=80))  # an 80-column terminal
    result = CliRunner().invoke(main, ["workorders", "show", WORK_ORDER, "--config", config])
    assert result.exit_code == 0, (result.output, result.exception)
    history = result.output[result.output.index("history"):result.output.index("deadline rows")]
    assert all(cell_len(line) <= 80 for line in history.splitlines()), history
    assert "history (times in Asia/Shanghai)" in history
    for whole in (TICKET, "CUSTOMER_SERVICE →", "REJECT_DISPATCH", "DISPATCH_REJECTED", "nmc-020-153",
                  "nsp_nspticketid:"):
        assert whole in history, history
    words = " ".join(line.strip("│ ").replace("│", " ") for line in history.splitlines()).split()
    assert set(NOTE.split()) <= set(words)  # the note wrapped between its words, none lost
