"""``onepoint simulate``'s options, exit status and output (audit 5): numbers out of range or not finite are usage
errors before anything starts; a day whose lag broke the scenario's timing is said on stderr and ends with exit 3;
the report printed to a file or a pipe is as wide as ``onepoint stats``'s, its ids whole; the hub's outage figures
in ``--json`` are numbers like its totals."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from rich.console import Console

import hub.simulate
import hub.simulate.statistics
from hub.cli.main import main
from hub.simulate.desk import Answer
from hub.simulate.figures import BurstFigures, Figures, TierSla
from hub.simulate.report import as_json, print_both
from hub.simulate.runner import SimulationRun
from hub.simulate.scenario import build_scenario
from hub.simulate.statistics import HubStatistics, query_statistics

pytestmark = pytest.mark.unit

NOTICE = "FLT-20261124-0001"


@pytest.mark.parametrize("args", [
    ["--scale", "nan"], ["--scale", "inf"], ["--scale", "1e308"], ["--scale", "1e6"], ["--scale", "-inf"],
    ["--speed", "nan"], ["--speed", "inf"], ["--speed", "100000"], ["--speed", "2401"],
    ["--hours-per-minute", "nan"], ["--hours-per-minute", "inf"], ["--hours-per-minute", "41"],
], ids=lambda args: " ".join(args))
def test_numbers_out_of_range_or_not_finite_are_one_line_usage_errors(args: list[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def not_to_be_played(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the day was built or played")

    monkeypatch.setattr(hub.simulate, "build_scenario", not_to_be_played)
    monkeypatch.setattr(hub.simulate, "run_day", not_to_be_played)
    result = CliRunner().invoke(main, ["simulate", *args])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    (line,) = [text for text in result.output.splitlines() if text.startswith("Error:")]
    assert f"Invalid value for '{args[0]}'" in line


def _run(rules: bool, *, lag: float = 30.0) -> SimulationRun:
    figures = Figures(complaints=30, by_channel={"HOTLINE": 30}, by_tier={"CONTRACT": 30}, dispatches=20,
                      sla={tier: TierSla(first_met=97, first_breached=1, reply_met=98, reply_breached=0)
                           for tier in ("SHENZHOUXING", "GROUP_MEMBER", "OTHER_BRAND")},
                      outage=BurstFigures(complaints=10), mass=BurstFigures(complaints=12),
                      notices=[{"notice_id": NOTICE, "status": "CLEARED", "linked_count": 11,
                                "auto_answered_count": 7, "dispatch_count": 4}])
    statistics = HubStatistics(totals={"Complaints": 30}, outages=[
        {"NoticeId": NOTICE, "Linked": 11, "AutoAnswered": 7 if rules else 0, "Dispatched": 4 if rules else 10}])
    run = SimulationRun(1, 1.0, 720, rules, "2026-11-24", arrivals={"day": 400, "outage": 10, "mass": 12},
                        max_lag_seconds=lag, figures=figures, statistics=statistics)
    run.lag_limit_seconds = 600.0  # what run_day sets from the scenario and the incident window
    return run


def test_the_report_in_a_file_is_drawn_wide_and_never_cuts_an_id(capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    print_both([_run(True), _run(False)])  # stdout is no terminal here
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) > 80
    outages = next(line for line in text.splitlines() if "outages: linked" in line)
    assert f"{NOTICE} 11/7/4" in outages and f"{NOTICE} 11/0/10" in outages
    sla = text.split("SLA compliance per tier")[1].split("The hub's own statistics")[0]
    assert "99.0 % (97/98) · 100.0 % (98/98)" in sla
    assert not [line for line in sla.splitlines() if line.startswith("│ ") and line[2:].lstrip().startswith("│")]


def test_the_lag_the_scenario_takes_is_what_the_mass_complaint_leaves_of_the_incident_window() -> None:
    from hub.simulate.runner import lag_limit

    scenario = build_scenario(1, 0.01)
    assert lag_limit(scenario, 30) == 30 * 60 - scenario.mass.spread.total_seconds() == 600
    assert not _run(True, lag=599).lagged and _run(True, lag=601).lagged
    assert json.loads(as_json([_run(True, lag=601)]))["lagged"] is True


@pytest.mark.parametrize(("lag", "status"), [(40.0, 0), (40_000.0, 3)])
def test_a_day_that_lagged_past_what_its_rules_need_is_said_and_ends_with_exit_3(
        lag: float, status: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub.simulate, "run_day", lambda scenario, **kwargs: _run(kwargs["rules"], lag=lag))
    result = CliRunner().invoke(main, ["simulate", "--scale", "0.01", "--speed", "2400", "--json"])
    assert result.exit_code == status, (result.output, result.exception)
    lagged = [line for line in result.output.splitlines() if "lagged" in line and "simulated minutes" in line]
    assert len(lagged) == (1 if status else 0)
    if status:
        assert "666.7 simulated minutes" in lagged[0] and "distorted" in lagged[0]


@pytest.mark.parametrize(("refused", "dead_letters", "unread", "status"), [
    ({"dispatch: dispatch-incomplete": 24, "reply: transition-refused": 9}, {"nsp": 0}, "", 0),
    ({"create: unavailable": 29, "callback: unavailable": 24}, {}, "", 1),
    ({"nsp-reply: failed": 1}, {}, "", 1),
    ({}, {"nsp": 1, "boss": 0}, "", 1),
    ({}, {}, "TransportError: the broker is gone", 1),
    ({"create: unavailable": 1}, {}, "", 1),
], ids=["the rules' own refusals", "hub unavailable", "a step failed", "a dead letter", "dead letters unread",
        "lagged and failed"])
def test_a_day_the_hub_failed_underneath_ends_with_exit_1_and_says_what_failed(
        refused: dict[str, int], dead_letters: dict[str, int], unread: str, status: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def failed_run(rules: bool) -> SimulationRun:
        run = _run(rules, lag=40_000.0 if refused == {"create: unavailable": 1} else 40.0)  # lagged too: exit 1
        run.refused, run.dead_letters, run.dead_letters_unread = refused, dead_letters, unread
        return run

    monkeypatch.setattr(hub.simulate, "run_day", lambda scenario, **kwargs: failed_run(kwargs["rules"]))
    result = CliRunner().invoke(main, ["simulate", "--scale", "0.01", "--speed", "2400", "--rules", "both"])
    assert result.exit_code == status, (result.output, result.exception)
    said = [line for line in result.output.splitlines() if "the hub failed underneath" in line]
    assert len(said) == (2 if status else 0)
    report = CliRunner().invoke(main, ["simulate", "--scale", "0.01", "--json"]).output
    data = json.loads(report[:report.rindex("}") + 1])
    assert data["dead_letters"] == dead_letters and bool(data["failures"]) is bool(status)
    console = Console(file=io.StringIO(), width=200, record=True)
    print_both([failed_run(True), failed_run(False)], console)
    text = console.export_text()
    assert ("the hub failed" in text) is bool(status)
    if dead_letters.get("nsp"):
        assert "nsp 1" in text


def test_the_hubs_outage_figures_are_numbers_like_its_totals(monkeypatch: pytest.MonkeyPatch) -> None:
    wo, c = "urn:onepoint:workorder:1", "urn:onepoint:common:1"
    answer = etree.fromstring(
        f'<wo:QueryStatisticsResponse xmlns:wo="{wo}" xmlns:c="{c}"><wo:Ack><c:Status>OK</c:Status></wo:Ack>'
        "<wo:Totals><wo:Complaints>30</wo:Complaints><wo:Dispatched>20</wo:Dispatched></wo:Totals>"
        f"<wo:Outage><wo:NoticeId>{NOTICE}</wo:NoticeId><wo:StartAt>2026-11-24T10:09:00+08:00</wo:StartAt>"
        "<wo:Status>CLEARED</wo:Status><wo:Linked>10</wo:Linked><wo:AutoAnswered>7</wo:AutoAnswered>"
        "<wo:Dispatched>3</wo:Dispatched></wo:Outage></wo:QueryStatisticsResponse>".encode())

    class Desk:
        def __init__(self, url: str) -> None: ...
        def post(self, document: bytes) -> Answer:
            return Answer(200, answer)
        def close(self) -> None: ...

    monkeypatch.setattr(hub.simulate.statistics, "HubDesk", Desk)
    stats = query_statistics("http://hub", build_scenario(1, 0.01).day, "m-1")
    assert stats.totals == {"Complaints": 30, "Dispatched": 20}
    (outage,) = stats.outages
    assert outage == {"NoticeId": NOTICE, "StartAt": "2026-11-24T10:09:00+08:00", "Status": "CLEARED",
                      "Linked": 10, "AutoAnswered": 7, "Dispatched": 3}
    assert json.loads(json.dumps(stats.as_dict()))["outages"][0]["Dispatched"] == 3
