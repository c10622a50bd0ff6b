"""The group customers' figures name the group (the walkthrough audit: only BOSS's number, 4403001288, was shown):
its name is the latest ``group_name`` the work orders of its members keep, read when the figures are built (the
counters keep the number only) -- in ``onepoint stats``' table, its ``--json`` and QueryStatistics' ``GroupName``."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console
from sqlalchemy import update

from hub.cli.main import main
from hub.observability import console
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.schema import work_orders
from tests.unit.workflow.kit import WO, text
from tests.unit.workflow.test_statistics_counters import create
from tests.unit.workflow.test_statistics_departments import statistics

pytestmark = pytest.mark.unit

GROUP = "4403001288"  # BOSS's example answer: a decision maker of this group
FIRST_NAME = "深圳市华信精密制造有限公司"
RENAMED = "深圳市华信精密制造集团有限公司"


@pytest.fixture
def renamed(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """Two members' complaints; BOSS named the group anew by the second (the latest name wins)."""
    create(client)
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=5))  # the second complaint is the later one
    second = create(client, Msisdn="13900139000")
    with runtime.store.engine.begin() as connection:
        connection.execute(update(work_orders).where(work_orders.c.id == second).values(group_name=RENAMED))


@pytest.mark.usefixtures("renamed")
def test_query_statistics_names_the_group(client: WorkerTestClient) -> None:
    root = statistics(client)  # valid against workorder.xsd (GroupName after GroupId)
    assert [(text(g, "wo:GroupId"), text(g, "wo:GroupName"), text(g, "wo:Complaints"))
            for g in root.iterfind(f"{{{WO}}}Group")] == [(GROUP, RENAMED, "2")]


@pytest.mark.usefixtures("renamed")
def test_onepoint_stats_names_the_group_in_its_table_and_json(runtime: WorkflowRuntime, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f'[workflow]\ndatabase = "{runtime.store.engine.url.render_as_string(hide_password=False)}"\n')
    window = ["--from", "2026-11-20", "--to", "2026-11-23", "--config", str(config)]
    monkeypatch.setattr(console, "report_console", lambda: Console(width=80))
    shown = CliRunner().invoke(main, ["stats", *window])
    assert shown.exit_code == 0, shown.output
    table = shown.output[shown.output.index("complaints per group customer"):]
    assert GROUP in table and RENAMED in table.replace("\n", "").replace("│", "").replace(" ", "")
    as_json = json.loads(CliRunner().invoke(main, ["stats", *window, "--json"]).output)
    assert as_json["groups"] == [{"group_id": GROUP, "group_name": RENAMED, "complaints": 2, "share": 1.0}]
