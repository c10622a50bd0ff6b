"""``bench/stats.py --quick`` runs end to end (tiny stores; the times are not looked at).

The benchmark checks itself: the rebuild counts every work order, the year's figures count every complaint, and
the hot spots from the counters equal those counted from the work orders (exit 1 otherwise). Exit 3 only says the
time target was missed, which a busy machine may do.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
ROWS = ("figures, November (1 month key)", "figures, Oct 17 - Nov 15 (2 days, 4 weeks)",
        "figures, whole year (12 month keys)", "figures, November, area 0755", "hot spots from work_orders, November",
        "counter rows", "rebuild of the counters")


@pytest.mark.integration
def test_the_statistics_benchmark_runs_and_checks_itself() -> None:
    run = subprocess.run([sys.executable, str(REPO / "bench" / "stats.py"), "--quick"], cwd=REPO,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode in (0, 3), run.stdout + run.stderr
    lines = run.stdout.splitlines()
    for row in ROWS:
        assert any(line.startswith(row) for line in lines), (row, run.stdout)
    assert any("200 work orders" in line and "2,000 work orders" in line for line in lines), run.stdout
    assert "FAILED" not in run.stdout + run.stderr
