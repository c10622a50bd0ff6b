"""``onepoint demo`` and ``onepoint simulate`` stopped by SIGTERM mid-run (a CI job's timeout, ``kill PID``) clean
up as after Ctrl-C: the private system stopped, its queues removed from the broker, its temporary folder removed,
one line and exit 130 (audit defect 3)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

WAIT = 120.0  # seconds before a hung run fails the test (never asserted on)


def interrupted(command: list[str], tmp: Path, *, ready: str = "workorders.db") -> tuple[int, str, list[Path]]:
    """Run ``onepoint COMMAND`` with its temporary folders under ``tmp``, SIGTERM it once its system is up (its
    work-order database exists), and return its exit status, its stderr and what it left under ``tmp``."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-W", "ignore", "-m", "hub.cli.main", *command], cwd=tmp, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + WAIT
        while not list(tmp.glob(f"onepoint-*/{ready}")):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the system never came up"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err, sorted(tmp.iterdir())


def test_a_terminated_demo_removes_its_folder_and_exits_as_interrupted(tmp_path: Path) -> None:
    code, err, left = interrupted(["demo"], tmp_path)
    assert code == 130, err
    assert "onepoint demo: interrupted (SIGTERM)" in err and "Traceback" not in err
    assert left == []


def test_a_terminated_simulation_removes_its_folder_and_exits_as_interrupted(tmp_path: Path) -> None:
    code, err, left = interrupted(["simulate", "--seed", "1", "--scale", "0.05"], tmp_path)
    assert code == 130, err
    assert "onepoint simulate: interrupted (SIGTERM)" in err and "Traceback" not in err
    assert left == []


@pytest.mark.rabbitmq
def test_a_terminated_demo_on_rabbitmq_removes_its_queues(tmp_path: Path, rabbitmq_server: Any) -> None:
    def demo_queues() -> list[str]:
        return [line.split()[0] for line in rabbitmq_server.ctl("list_queues", "name").splitlines()
                if line.startswith("demo")]

    before = demo_queues()
    code, err, left = interrupted(["demo", "--broker", rabbitmq_server.url], tmp_path)
    assert code == 130, err
    assert demo_queues() == before and left == []
