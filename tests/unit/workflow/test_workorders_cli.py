"""``onepoint workorders``: a work order's timeline, a list, and recalculation, on the settings' database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import answer, command, envelope, text

pytestmark = pytest.mark.unit


@pytest.fixture
def config(runtime: WorkflowRuntime, tmp_path: Path) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(f'[workflow]\ndatabase = "{runtime.store.engine.url.render_as_string(hide_password=False)}"\n')
    return path


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
