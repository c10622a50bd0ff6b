"""The files a hub process creates are its account's only (security audit: with the usual umask 022 the work-order
database, its -wal and -shm, the audit log, the bulletin and the OA notices were readable by every account of the
machine, and the work-order database holds customers' full numbers): ``onepoint serve`` as a real process, started
under umask 022, leaves every ``onepoint-*`` file it made at mode 0600."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

WAIT = 60.0  # seconds before a missing start fails the test (never asserted on)
MADE = ("onepoint-workorders.db", "onepoint-workorders.db-wal", "onepoint-workorders.db-shm",
        "onepoint-workorders.db.hub-lock", "onepoint-audit.db", "onepoint-bulletin.db", "onepoint-oa-notices.db")


def test_serve_under_umask_022_makes_its_files_owner_only(tmp_path: Path) -> None:
    out = tmp_path / "serve.out"
    with out.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-m", "hub.cli.main", "serve", "--port", "0", "--emulator-base-port",
             "0", "--smtp-port", "0", "--log-format", "json"],
            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"},
            umask=0o022)
        try:
            deadline = time.monotonic() + WAIT
            while not (re.search(r"OnePoint Hub on http://127\.0\.0\.1:\d+", out.read_text("utf-8", "replace"))
                       and all((tmp_path / name).exists() for name in MADE)):
                assert process.poll() is None, out.read_text("utf-8", "replace")
                assert time.monotonic() < deadline, "timed out waiting for the hub's start"
                time.sleep(0.2)
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in tmp_path.glob("onepoint-*")}
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(WAIT)
    assert set(MADE) <= set(modes)
    assert {name: oct(mode) for name, mode in modes.items() if mode & 0o077} == {}
