"""A small province day played on the whole system (memory:// broker, SQLite store, the emulators) twice from
one seed, every rule on then off: the rules' effects, read from the hub's store and NSP's tickets, not times.

The day is tiny (a twentieth of the background traffic) and its intakes sloppier than the published 7 % + 3 %
(so the template rule has work at this size); the outage's burst (3 before the notice, 7 after) and the mass
complaint (12 at one business hall within 20 minutes) stay whole.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.simulate import Scenario, SimulationRun, arrivals, build_scenario, create_work_orders, run_day

SEED = 3
SPEED = 1_000.0  # simulated seconds per real second while anything happens (idle gaps are jumped over)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return replace(build_scenario(SEED, 0.05), incomplete_share=0.3, vague_share=0.05)


@pytest.fixture(scope="module")
def rules_on(scenario: Scenario) -> SimulationRun:
    return run_day(scenario, rules=True, speed=SPEED)


@pytest.fixture(scope="module")
def rules_off(scenario: Scenario) -> SimulationRun:
    return run_day(scenario, rules=False, speed=SPEED)


def _needs(run: SimulationRun, rule: str) -> None:
    if rule not in run.rules_in_force:
        pytest.skip(f"the {rule!r} intake rule has not landed yet (rules in force: {run.rules_in_force})")


@pytest.mark.integration
def test_the_scenario_has_work_for_every_rule(scenario: Scenario) -> None:
    day = list(arrivals(scenario))
    kinds = [a.kind for a in day]
    assert kinds.count("outage") == 10 and kinds.count("mass") == 12
    assert sum(a.quality == "incomplete" for a in day) >= 2
    assert [a.at for a in day] == sorted(a.at for a in day)
    before = [a for a in day if a.kind == "outage" and a.at < scenario.outage.notice_at]
    assert len(before) == scenario.outage.before_notice == 3


@pytest.mark.integration
def test_with_the_rules_on_the_outage_is_answered_at_intake_after_its_notice(rules_on: SimulationRun) -> None:
    _needs(rules_on, "outage")
    assert rules_on.notice_delivered
    outage = rules_on.figures.outage
    assert outage.complaints == 10
    assert outage.answered_at_intake == 7  # every complaint taken after the notice arrived
    assert outage.dispatches == 3 and outage.nsp_tickets == 3  # only those taken before it
    assert outage.linked == 10  # the notice links the earlier ones too
    hub = rules_on.statistics  # the hub's own counters agree
    assert not hub.error, hub.error
    assert [(o["Linked"], o["AutoAnswered"], o["Dispatched"]) for o in hub.outages] == [(10, 7, 3)]


@pytest.mark.integration
def test_with_the_rules_on_the_mass_complaint_opens_one_incident_told_once_to_nsp(rules_on: SimulationRun) -> None:
    _needs(rules_on, "mass-complaint")
    mass, figures = rules_on.figures.mass, rules_on.figures
    assert mass.incidents == 1 and figures.incidents == 1
    assert mass.linked == 12  # the window's complaints and the later ones
    assert mass.incident_tickets == 1  # NSP told once, with the fault report
    assert mass.nsp_tickets - mass.incident_tickets == 9  # only the complaints before the threshold went on their own


@pytest.mark.integration
def test_with_the_rules_off_every_complaint_is_dispatched(rules_off: SimulationRun) -> None:
    assert rules_off.rules_in_force == []
    figures = rules_off.figures
    assert figures.auto_answered == 0 and figures.incidents == 0
    assert figures.outage.answered_at_intake == 0 and figures.outage.dispatches == 10
    assert figures.outage.nsp_tickets == 10
    assert figures.mass.incidents == 0 and figures.mass.nsp_tickets == 12
    assert figures.dispatches_unchecked >= 2 and figures.dispatches_refused == 0


@pytest.mark.integration
def test_templates_lower_the_invalid_dispatch_share(rules_on: SimulationRun, rules_off: SimulationRun) -> None:
    assert "enforce_templates" in rules_on.rules_in_force
    on, off = rules_on.figures, rules_off.figures
    assert on.dispatches_refused >= 2 and on.dispatches_unchecked == 0
    assert on.invalid_dispatch_share is not None and off.invalid_dispatch_share is not None
    assert on.invalid_dispatch_share < off.invalid_dispatch_share
    assert on.dispatches_rejected < off.dispatches_rejected
    assert rules_on.statistics.totals["InvalidDispatches"] < rules_off.statistics.totals["InvalidDispatches"]
    # the hub's own statistics count the refusals as the store's history holds them
    assert rules_on.statistics.totals["DispatchesRefused"] == on.dispatches_refused
    assert rules_off.statistics.totals["DispatchesRefused"] == 0


@pytest.mark.integration
def test_every_complaint_reaches_the_hub_and_is_worked_to_its_end(rules_on: SimulationRun,
                                                                  rules_off: SimulationRun) -> None:
    for run in (rules_on, rules_off):
        assert run.figures.complaints == sum(run.arrivals.values())
        assert run.unfinished == 0
        assert set(run.figures.by_state) <= {"CLOSED", "RETURN_VISITED", "ESCALATED", "REPLIED", "IN_PROGRESS",
                                             "AUTO_ANSWERED"}, run.figures.by_state
        assert run.figures.by_state.get("CLOSED", 0) >= 0.8 * run.figures.complaints
        assert set(run.figures.sla) <= {"VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER", "GROUP_KEY_PERSON", "GROUP_MEMBER",
                                        "LONG_DISTANCE_ROAMING", "CONTRACT", "PREPAID", "SHENZHOUXING",
                                        "OTHER_BRAND"}


@pytest.mark.integration
def test_the_hub_did_its_part_no_dead_letter_no_failure(rules_on: SimulationRun, rules_off: SimulationRun) -> None:
    """Every NSP reply answers its work order's current dispatch (none set aside as stale), nothing failed."""
    for run in (rules_on, rules_off):
        assert run.dead_letters and not any(run.dead_letters.values()), run.dead_letters
        assert run.failures == [] and not run.dead_letters_unread, run.failures


@pytest.mark.integration
def test_the_network_centre_rejects_what_reached_it_not_what_was_meant(scenario: Scenario,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A hub that lost every template field on the way to NSP: the centre rejects the dispatches it got."""
    import hub.workflow.network_dispatch

    monkeypatch.setattr(hub.workflow.network_dispatch, "dispatch_field_items", lambda *args, **kwargs: [])
    small = replace(scenario, daily_complaints=8, incomplete_share=0.0, vague_share=0.0)
    run = run_day(small, rules=False, speed=SPEED * 4)  # every dispatch rejected and sent again: a longer day
    figures = run.figures
    complaint_dispatches = figures.dispatches - figures.mass.incident_tickets
    assert complaint_dispatches > 0
    assert figures.dispatches_rejected >= complaint_dispatches / 2, (figures.dispatches_rejected, figures.dispatches)


@pytest.mark.integration
def test_the_load_source_is_the_same_day_for_the_same_seed() -> None:
    first = [(offset, document.split(b"<wo:Channel>")[1]) for offset, document in create_work_orders(SEED, 0.05)]
    again = [(offset, document.split(b"<wo:Channel>")[1]) for offset, document in create_work_orders(SEED, 0.05)]
    assert first == again and len(first) > 22
    assert all(0 <= offset < 86_400 for offset, _ in first)
    assert first != [(o, d.split(b"<wo:Channel>")[1]) for o, d in create_work_orders(SEED + 1, 0.05)]


@pytest.mark.integration
def test_the_command_prints_the_figures_as_json() -> None:
    result = CliRunner().invoke(main, ["simulate", "--seed", str(SEED), "--scale", "0.02", "--speed", "1000",
                                       "--rules", "off", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rules"] == "off" and data["figures"]["complaints"] == sum(data["arrivals"].values())
    assert data["figures"]["outage"]["dispatches"] == 10 and data["skipped_hours"] > 0


@pytest.mark.integration
@pytest.mark.rabbitmq
def test_the_day_plays_the_same_on_rabbitmq(scenario: Scenario, rabbitmq_server: Any) -> None:
    small = replace(scenario, daily_complaints=8)
    run = run_day(small, rules=True, speed=SPEED, broker_url=rabbitmq_server.url)
    assert run.figures.complaints == sum(run.arrivals.values()) and run.unfinished == 0
    _needs(run, "outage")
    assert (run.figures.outage.answered_at_intake, run.figures.outage.dispatches) == (7, 3)
    _needs(run, "mass-complaint")
    assert run.figures.mass.incidents == 1 and run.figures.mass.incident_tickets == 1


_SIGNALLED_IN_CLEAN_UP = """
import os, signal, sys
import hub.demo.stage, hub.simulate.stage
for module in (hub.demo.stage, hub.simulate.stage):
    if hasattr(module, "remove_topology"):
        real = module.remove_topology
        def remove_topology(*args, real=real, **kwargs):
            os.kill(os.getpid(), signal.SIGINT)   # Ctrl-C again, then a supervisor's SIGTERM, while it cleans up
            os.kill(os.getpid(), signal.SIGTERM)
            return real(*args, **kwargs)
        module.remove_topology = remove_topology
from hub.cli.main import main
sys.argv = ["onepoint", "simulate", "--seed", "1", "--scale", "0.01"]
main()
"""


@pytest.mark.integration
def test_signals_during_the_clean_up_do_not_break_it_off(tmp_path: Path) -> None:
    """SIGTERM once the system is up, then Ctrl-C and SIGTERM again while the stage is stopping (sent from inside
    its clean-up, so they land there): the clean-up finishes, the folder is gone, and the line says so (audit 5)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-W", "ignore", "-c", _SIGNALLED_IN_CLEAN_UP], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("onepoint-simulate-*/workorders.db")):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the system never came up"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == ("onepoint simulate: interrupted (SIGTERM); its system was stopped and its "
                                            "queues and temporary folder removed")
    assert "Traceback" not in err and sorted(tmp_path.iterdir()) == []
