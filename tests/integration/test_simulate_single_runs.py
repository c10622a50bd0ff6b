"""Simulated days played once each (the pair played with every rule on and off is test_simulate.py; this file is
apart so that pytest-xdist's ``--dist loadfile`` runs it on another worker): a hub that loses the template fields on
the way to NSP, the command's JSON, the day on RabbitMQ, signals during the command's clean-up."""

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
from hub.simulate import Scenario, run_day
from tests.integration.test_simulate import SEED, SPEED, needs_rule, sloppy_day


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return sloppy_day()


@pytest.mark.integration
def test_the_network_centre_rejects_what_reached_it_not_what_was_meant(scenario: Scenario,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A hub that lost every template field on the way to NSP: the centre rejects the dispatches it got."""
    import hub.workflow.network_dispatch

    monkeypatch.setattr(hub.workflow.network_dispatch, "dispatch_field_items", lambda *args, **kwargs: [])
    # Two network complaints (one of the outage, one of the mass complaint, no background) are enough for the
    # centre to judge: every dispatch is rejected and sent again until the day's tail ends, so the day's steps grow
    # with its complaints (the whole bursts made this run take a minute), not what it shows.
    small = replace(scenario, daily_complaints=0, incomplete_share=0.0, vague_share=0.0,
                    outage=replace(scenario.outage, complaints=1, before_notice=1),
                    mass=replace(scenario.mass, complaints=1))
    run = run_day(small, rules=False, speed=SPEED * 4)
    figures = run.figures
    complaint_dispatches = figures.dispatches - figures.mass.incident_tickets
    assert complaint_dispatches > 0
    assert figures.dispatches_rejected >= complaint_dispatches / 2, (figures.dispatches_rejected, figures.dispatches)


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
    needs_rule(run, "outage")
    assert (run.figures.outage.answered_at_intake, run.figures.outage.dispatches) == (7, 3)
    needs_rule(run, "mass-complaint")
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
