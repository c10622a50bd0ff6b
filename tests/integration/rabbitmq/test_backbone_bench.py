"""``bench/backbone.py`` runs end to end on a fresh machine (tiny sizes; the figures are not looked at).

The benchmark checks itself: every message of every side must be consumed once, with nothing left in the
queues (exit 1 otherwise). Exit 3 only says a target was missed, which tiny runs may well do.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

REPO = Path(__file__).resolve().parents[3]


def test_the_backbone_benchmark_runs_all_four_sides_and_loses_nothing() -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "backbone.py"), "--skip-ingest", "--messages", "400", "--rounds", "2",
         "--in-flight", "50", "--hub-routes", "150", "--prefetch", "50"],
        cwd=REPO, capture_output=True, text=True, timeout=240,
    )
    assert run.returncode in (0, 3), run.stdout + run.stderr
    for side in ("raw pika", "raw pika + validation", "minimal pipeline", "hub"):
        assert f"{side} " in run.stdout
    assert "median:" in run.stdout
    assert "hub / minimal pipeline:" in run.stdout
    assert "FAILED" not in run.stdout + run.stderr
