"""The simulated clock (scaled, jumping forward, never back), the people's seeded choices, the progress bar (a
terminal only) and the report's tables and JSON, without a system."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from hub.simulate.cases import PlayLog
from hub.simulate.clock import EmulatorClock, SimulatedTime
from hub.simulate.figures import BurstFigures, Figures, TierSla
from hub.simulate.people import People
from hub.simulate.progress import ProgressBar
from hub.simulate.report import as_json, duration, print_both, print_report, share
from hub.simulate.runner import SimulationRun
from hub.simulate.statistics import HubStatistics

START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def test_the_clock_runs_from_the_day_start_at_its_speed_and_only_jumps_forward() -> None:
    clock = SimulatedTime(START, 3600)
    assert START <= clock.now() < START + timedelta(minutes=30)
    clock.skip_to(START + timedelta(hours=5))
    assert clock.now() >= START + timedelta(hours=5) and clock.skipped >= 5 * 3600 - 1800
    before = clock.now()
    clock.skip_to(START)  # behind: nothing happens
    assert clock.now() >= before
    assert clock.real_wait(clock.now() + timedelta(hours=1)) == pytest.approx(1.0, abs=0.1)
    emulator = EmulatorClock(clock)
    assert emulator.now() == pytest.approx(clock.now().timestamp(), abs=60)
    assert emulator.monotonic() >= 5 * 3600
    with pytest.raises(ValueError, match="speed"):
        SimulatedTime(START, 0)
    with pytest.raises(ValueError, match="naive"):
        SimulatedTime(datetime(2026, 11, 23), 10)


def test_the_people_choose_the_same_for_the_same_seed_and_complaint() -> None:
    one, again, other = People(1, 42), People(1, 42), People(1, 43)
    first = [one.nsp_answers(1), one.agent_completes(), one.return_visit("VIP_GOLD"), one.satisfaction()]
    assert first == [again.nsp_answers(1), again.agent_completes(), again.return_visit("VIP_GOLD"),
                     again.satisfaction()]
    assert first != [other.nsp_answers(1), other.agent_completes(), other.return_visit("VIP_GOLD"),
                     other.satisfaction()]
    assert timedelta(hours=1) <= People(1, 1).nsp_answers(1) <= timedelta(hours=3)
    assert timedelta(hours=3) <= People(1, 1).nsp_answers(4) <= timedelta(hours=8)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_draws_on_a_terminal_only() -> None:
    log = PlayLog("abc")
    quiet = io.StringIO()
    bar = ProgressBar(START, 10, stream=quiet, interval=0)
    bar(log, START + timedelta(hours=12), 2)
    bar.done()
    assert quiet.getvalue() == ""
    terminal = _Terminal()
    bar = ProgressBar(START, 10, label="rules on ", stream=terminal, interval=0)
    bar(log, START + timedelta(hours=12), 2)
    bar.done()
    drawn = terminal.getvalue()
    assert drawn.startswith("\rrules on [" + "#" * 15 + "." * 15 + "]") and "0/10 complaints" in drawn
    assert drawn.endswith("\n")


def _run(rules: bool) -> SimulationRun:
    figures = Figures(complaints=30, by_channel={"HOTLINE": 20, "WEB": 10}, by_tier={"CONTRACT": 30},
                      dispatches=20, dispatches_rejected=1 if rules else 3, dispatches_refused=2 if rules else 0,
                      sla={"CONTRACT": TierSla(first_met=9, first_breached=1, reply_met=8, reply_breached=0)},
                      outage=BurstFigures(complaints=10, answered_at_intake=7 if rules else 0,
                                          dispatches=3 if rules else 10, intake_to_answer_s=0.0 if rules else None,
                                          dispatch_to_reply_s=1800.0),
                      mass=BurstFigures(complaints=12, incidents=1 if rules else 0, nsp_tickets=10 if rules else 12,
                                        incident_tickets=1 if rules else 0))
    statistics = HubStatistics(totals={"Complaints": 30, "Dispatched": 20}, shares={"InvalidDispatch": 0.05},
                               tier_sla={"CONTRACT": 0.875},
                               outages=[{"NoticeId": "FLT-1", "Linked": "10", "AutoAnswered": "7", "Dispatched": "3"}])
    return SimulationRun(1, 0.1, 1000, rules, "2026-11-23", rules_in_force=["outage"] if rules else [],
                         arrivals={"day": 8, "outage": 10, "mass": 12}, figures=figures, statistics=statistics)


def test_the_report_sets_the_published_figures_side_by_side() -> None:
    console = Console(file=io.StringIO(), width=200, record=True)
    print_both([_run(True), _run(False)], console)
    text = console.export_text()
    assert "rules on" in text and "rules off" in text
    assert "7 of 10" in text and "0 of 10" in text
    assert "5.0 % (1/20)" in text and "15.0 % (3/20)" in text
    assert "9 + 1" in text and "12 + 0" in text
    assert "90.0 % (9/10) · 100.0 % (8/8)" in text
    assert "QueryStatistics" in text and "FLT-1 10/7/3" in text and "87.5 %" in text
    console = Console(file=io.StringIO(), width=200, record=True)
    print_report(_run(True), console)
    assert "HOTLINE" in console.export_text()


def test_the_json_holds_each_run_and_the_formats_read_well() -> None:
    one = json.loads(as_json([_run(True)]))
    assert one["rules"] == "on" and one["figures"]["invalid_dispatch_share"] == 0.05
    both = json.loads(as_json([_run(True), _run(False)]))
    assert [r["rules"] for r in both["runs"]] == ["on", "off"]
    assert both["runs"][0]["figures"]["sla"]["CONTRACT"]["first_response"] == 0.9
    assert [duration(None), duration(20), duration(1800), duration(4 * 3600)] == ["—", "20 s", "30 min", "4.0 h"]
    assert share(None) == "—" and share(0.031) == "3.1 %"
