"""``bench/workflow.py --quick`` runs end to end on a private RabbitMQ (tiny sizes; the figures are not looked at).

The benchmark checks itself: every work order DISPATCHED, every request answered, every dispatch in the NSP queue,
a CRM notice per caller with an account manager, nothing dead-lettered, every scheduler pass firing its rows (exit 1
otherwise). Exit 3 only says a target was missed, which tiny runs on a busy machine do. The documents are the
province-day simulator's (``hub.simulate``, seed 1).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROWS = ("work orders/s, empty store", "hub / minimal consumer", "work orders/s, 3,000 in the store",
        "scheduler pass of 50, 3,000 open", "RSS of the consumer processes")


@pytest.mark.integration
@pytest.mark.rabbitmq
def test_the_workflow_benchmark_runs_both_sides_on_a_private_rabbitmq() -> None:
    run = subprocess.run([sys.executable, str(REPO / "bench" / "workflow.py"), "--quick"], cwd=REPO,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode in (0, 3), run.stdout + run.stderr
    lines = run.stdout.splitlines()
    for row in ROWS:
        assert any(line.startswith(row) for line in lines), (row, run.stdout)
    for side in ("hub round 1", "minimal round 1", "hub filled round 1"):
        assert any(line.strip().startswith(side) for line in lines), (side, run.stdout)
    assert "batches of up to 32 (both sides)" in run.stdout  # the batch mode is the default on both sides
    assert "CreateWorkOrder from the simulator: seed 1," in run.stdout  # the load source (issue 13)
    assert "private RabbitMQ node stopped" in run.stdout
    assert "FAILED" not in run.stdout + run.stderr
