"""``onepoint serve`` stopped by SIGTERM while it starts (the emulators running, the workers starting, uvicorn not
serving yet) runs its stop like any other: the workers started are stopped, then the emulators, and the process
exits 0 (``hub/cli/graceful.py``: ``StartupSignals``). Before, the signal killed it there (status -15), its stop
skipped. The signal is sent by the process itself at a chosen step (a patched ``HubSystem``), so the moment is sure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

WAIT = 60.0  # seconds before a hung stop fails the test (never asserted on)

# The hub's system as `serve` uses it, but SIGTERM comes at ``step``: before its start, or as its third worker is
# about to start (two running, the others still to start).
SCRIPT = """
import os, signal, sys
from hub.system import HubSystem

step = sys.argv[1]
start, start_worker = HubSystem.start, HubSystem._start_worker
workers = []

def patched_start(self):
    if step == "start":
        os.kill(os.getpid(), signal.SIGTERM)
    return start(self)

def patched_start_worker(self, kit, router):
    if step == "workers" and len(workers) == 2:
        os.kill(os.getpid(), signal.SIGTERM)
    workers.append(kit.consumer)
    return start_worker(self, kit, router)

HubSystem.start, HubSystem._start_worker = patched_start, patched_start_worker
from hub.cli.main import main
main(["serve", "--port", "0", "--emulator-base-port", "0"], prog_name="onepoint")
"""


@pytest.mark.parametrize("step", ["start", "workers"])
def test_sigterm_while_starting_stops_what_started_and_exits_0(tmp_path: Path, step: str) -> None:
    script = tmp_path / "serve_term.py"
    script.write_text(SCRIPT, "utf-8")
    out = tmp_path / "serve.out"
    with out.open("wb") as log:
        process = subprocess.run([sys.executable, "-W", "ignore", str(script), step], cwd=tmp_path, stdout=log,
                                 stderr=subprocess.STDOUT, timeout=WAIT, check=False,
                                 env={**os.environ, "PYTHONWARNINGS": "ignore"})
    printed = out.read_text("utf-8", "replace")
    assert process.returncode == 0, printed[-3000:]
    events = [line.split('"event": "')[1].split('"')[0] for line in printed.splitlines() if '"event": "' in line]
    assert "emulators started" in events
    assert "stop requested while starting" in events
    assert events[-1] == "emulators stopped", events  # the last step of the stop
    if step == "workers":  # the two started are drained and stopped before the emulators
        (stopped,) = [line for line in printed.splitlines() if '"event": "workers stopped"' in line]
        assert '"consumers": ["boss", "crm"]' in stopped
        assert events.index("workers stopped") < events.index("emulators stopped")
    assert "serving" not in events
