"""``bench/flows.py`` runs end to end (tiny sizes; the figures are not looked at).

The benchmark checks itself: every answer must be the expected tier or SMS log, cached lookups must not reach
BOSS, and the audit log must hold two intact rows per query sent through the hub (exit 1 otherwise). Exit 3 only
says a target was missed, which tiny runs on a busy machine may well do.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = ["--rounds", "1", "--lookups", "40", "--queries", "16", "--seconds", "1", "--rate", "50",
        "--connections", "4", "--memory-lookups", "300", "--memory-step", "100", "--subscribers", "1000"]
ROWS = ("tier lookup, cached, at 50/s (open loop)", "tier lookup, cached, 4 connections",
        "tier lookup, uncached, 4 connections", "SMS log + audit row, 4 connections", "hub RSS over 300 lookups")


def run_flows_bench(*extra: str) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([sys.executable, str(REPO / "bench" / "flows.py"), *TINY, *extra], cwd=REPO,
                         capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode in (0, 3), run.stdout + run.stderr
    lines = run.stdout.splitlines()
    for row in ROWS:
        assert any(line.startswith(row) for line in lines), (row, run.stdout)
    assert "after       100 lookups: RSS" in run.stdout
    assert "after       300 lookups: RSS" in run.stdout
    assert "rows, two per query sent through the hub (pending, allowed), chain intact" in run.stdout
    assert "FAILED" not in run.stdout + run.stderr
    return run


@pytest.mark.integration
def test_the_flows_benchmark_runs_every_flow_on_the_embedded_broker() -> None:
    run = run_flows_bench()
    assert "(onepoint serve, memory://," in run.stdout


@pytest.mark.integration
@pytest.mark.rabbitmq
def test_the_flows_benchmark_runs_on_a_private_rabbitmq() -> None:
    run = run_flows_bench("--broker", "amqp://")
    assert "(onepoint serve, amqp://," in run.stdout and "private RabbitMQ node stopped" in run.stdout
