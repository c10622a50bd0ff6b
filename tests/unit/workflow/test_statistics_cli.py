"""``onepoint stats``: the figures as tables and as JSON, and ``stats rebuild``, on the settings' database."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from rich.console import Console
from sqlalchemy import delete, select, update

from hub.cli.main import main
from hub.observability import console
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.store.schema import outage_notices, work_order_counters
from tests.unit.workflow.kit import act, answer, command, envelope, text
from tests.unit.workflow.test_outage_rule import notice_envelope

pytestmark = pytest.mark.unit

WINDOW = ["--from", "2026-11-20", "--to", "2026-11-23"]


def complaints(client: WorkerTestClient) -> None:
    first = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId")
    assert first is not None
    act(client, first, "WorkOrderAction.valid-reply.xml")
    answer(client.request(envelope(*command("CreateWorkOrder.valid.xml"))))  # a repeat
    answer(client.request(envelope(*command("CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn="13700137000"))))


def test_stats_prints_tables_and_json(client: WorkerTestClient, config: Path) -> None:
    complaints(client)
    shown = CliRunner().invoke(main, ["stats", *WINDOW, "--level", "2", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert "complaints 2026-11-20 … 2026-11-23" in shown.output
    assert "hot spots (category level 2)" in shown.output and "01.02" in shown.output
    assert "SLA compliance per tier" in shown.output and "VIP_GOLD" in shown.output
    assert "repeat-complaint share" in shown.output and "33.3%" in shown.output
    as_json = CliRunner().invoke(main, ["stats", *WINDOW, "--json", "--config", str(config)])
    assert as_json.exit_code == 0, as_json.output
    figures = json.loads(as_json.output)
    assert figures["totals"]["complaints"] == 3 and figures["totals"]["repeat_complaints"] == 1
    assert figures["totals"]["dispatched"] == 1 and figures["totals"]["replied_in_sla"] == 1
    assert figures["hot_spots"] == [{"category": "01.02.03", "area_code": "0755", "complaints": 3, "share": 1.0}]
    assert figures["query"]["first_day"] == "2026-11-20" and figures["query"]["level"] == 3
    other_area = CliRunner().invoke(main, ["stats", *WINDOW, "--area", "020", "--json", "--config", str(config)])
    assert json.loads(other_area.output)["totals"]["complaints"] == 0


def test_stats_shows_the_satisfaction_and_tables_per_department_and_group(
        client: WorkerTestClient, config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    complaints(client)
    replied = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml", Msisdn="13600136000")))),
                   "wo:WorkOrderId")
    assert replied is not None
    act(client, replied, "WorkOrderAction.valid-reply.xml")
    act(client, replied, "WorkOrderAction.valid-callback.xml")  # SATISFIED
    monkeypatch.setattr(console, "report_console", lambda: Console(width=80))
    shown = CliRunner().invoke(main, ["stats", *WINDOW, "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert "satisfaction (of the customers reached)" in shown.output and "100.0%" in shown.output
    assert "per department: replies" in shown.output and "CUSTOMER_SERVICE" in shown.output
    assert "per department: return visits" in shown.output
    assert "complaints per group customer" in shown.output and "4403001288" in shown.output
    assert all(cell_len(line) <= 80 for line in shown.output.splitlines())
    assert "…" not in shown.output.replace("2026-11-20 … 2026-11-23", "")  # nothing cut
    figures = json.loads(CliRunner().invoke(main, ["stats", *WINDOW, "--json", "--department", "CUSTOMER_SERVICE",
                                                   "--config", str(config)]).output)
    assert figures["totals"]["satisfied"] == 1 and figures["satisfaction"] == 1.0
    (desk,) = figures["departments"]
    assert (desk["department"], desk["replied"], desk["satisfied"]) == ("CUSTOMER_SERVICE", 2, 1)
    assert figures["groups"] == [{"group_id": "4403001288", "complaints": 4, "share": 1.0,
                                  "group_name": "深圳市华信精密制造有限公司"}]


def test_stats_rebuild_restores_the_counters(client: WorkerTestClient, runtime: WorkflowRuntime,
                                             config: Path) -> None:
    complaints(client)
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(minutes=25))  # the open ones' first response breached: escalated (level 1)
    assert DeadlineScheduler(runtime, client.outbound).run_pass().escalations == 1
    before = json.loads(CliRunner().invoke(main, ["stats", *WINDOW, "--json", "--config", str(config)]).output)
    counted = counter_rows(runtime)
    assert any(row[-2] == "escalated" for row in counted)
    with runtime.store.engine.begin() as connection:  # as after a restore that had no counters
        connection.execute(delete(work_order_counters))
    emptied = json.loads(CliRunner().invoke(main, ["stats", *WINDOW, "--json", "--config", str(config)]).output)
    assert emptied["totals"]["complaints"] == 0
    rebuilt = CliRunner().invoke(main, ["stats", "rebuild", "--config", str(config)])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.output.startswith("3 work order(s) counted into ")
    after = json.loads(CliRunner().invoke(main, ["stats", *WINDOW, "--json", "--config", str(config)]).output)
    assert after == before
    assert counter_rows(runtime) == counted  # every measure, the escalations on a breach too


def counter_rows(runtime: WorkflowRuntime) -> list[tuple[object, ...]]:
    with runtime.store.engine.connect() as connection:
        return sorted(tuple(row) for row in connection.execute(select(work_order_counters)))


def test_stats_refuses_a_window_that_ends_before_it_begins(config: Path) -> None:
    refused = CliRunner().invoke(main, ["stats", "--from", "2026-11-23", "--to", "2026-11-01", "--config",
                                        str(config)])
    assert refused.exit_code != 0 and "before --from" in refused.output


TITLE = "深圳福田区市民中心附近基站SZ-FT-0412退服，影响语音、短信和数据业务"


def test_the_outages_fit_an_80_column_terminal_without_cutting_ids_times_or_counts(
        client: WorkerTestClient, runtime: WorkflowRuntime, config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(minutes=5))
    assert client.send(notice_envelope(Title=TITLE)).processed
    answer(client.request(envelope(*command("CreateWorkOrder.valid.xml"))))  # answered from the notice
    with runtime.store.engine.begin() as connection:  # counts as a province's year may reach
        connection.execute(update(outage_notices).values(linked_count=1234567890, dispatch_count=9876543210))
    monkeypatch.setattr(console, "report_console", lambda: Console(width=80))
    shown = CliRunner().invoke(main, ["stats", "--from", "2026-11-23", "--to", "2026-11-23", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    assert not [row for row in rows if "…" in "".join(row)]  # no cell cut
    assert ["FLT-20261123-0007", "1234567890", "1", "9876543210"] in rows  # complaints per outage
    notice = [row for row in rows if len(row) == 4 and row[1:3] == ["ACTIVE", "2026-11-23 08:35"]]
    assert notice and notice[0][0] == "FLT-20261123-0007"
    start = rows.index(notice[0])
    folded = [notice[0], *[row for row in rows[start + 1:] if len(row) == 4 and not any(row[:3])]]
    assert len(folded) > 1 and "".join(row[3] for row in folded) == TITLE  # folded, whole
    assert "outages (start in Asia/Shanghai)" in shown.output


@pytest.mark.parametrize("title", ["Fibre cut, ring [phase 2/3]", "Link down [/ring B]"])
def test_an_outage_title_in_brackets_is_shown_as_nsp_wrote_it(
        client: WorkerTestClient, runtime: WorkflowRuntime, config: Path, monkeypatch: pytest.MonkeyPatch,
        title: str) -> None:
    """NSP's words are no rich markup: "[phase 2/3]" was dropped, "[/ring B]" crashed the command (audit)."""
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(minutes=5))
    assert client.send(notice_envelope(Title=title)).processed
    monkeypatch.setattr(console, "report_console", lambda: Console(width=160))
    shown = CliRunner().invoke(main, ["stats", "--from", "2026-11-23", "--to", "2026-11-23", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert title in shown.output
