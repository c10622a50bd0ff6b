"""``onepoint serve`` on memory:// stopped by SIGTERM keeps what it accepted: before its workers stop they empty the
in-process queues, which would die with the process (audit defect 1). The workflow's database is held busy from
outside while NSP's outage notices are accepted (202), so a backlog waits in the workflow's queue when SIGTERM
comes; the hold ends soon after, and every notice accepted must reach the workflow's outage table."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).parents[2] / "schemas" / "examples" / "nsp" / "OutageNotice.valid-fault.xml"
WAIT = 60.0  # seconds before a hung step fails the test (never asserted on)
NOTICES = 30


def start_serve(cwd: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    out = cwd / "serve.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-W", "ignore", "-m", "hub.cli.main", "serve", "--port", "0",
                                 "--emulator-base-port", "0", "--log-level", "WARNING", "--log-format", "text"],
                                cwd=cwd, stdout=sink, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONWARNINGS": "ignore"})
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and proc.poll() is None:
        found = re.search(r"OnePoint Hub on (http://127\.0\.0\.1:\d+)", out.read_text("utf-8", "replace"))
        if found:
            try:
                if httpx.get(found.group(1) + "/readyz", timeout=2).status_code == 200:
                    return proc, found.group(1), out
            except httpx.TransportError:
                pass
        time.sleep(0.1)
    proc.kill()
    pytest.fail("serve did not start: " + out.read_text("utf-8", "replace")[-2000:])


def test_a_graceful_stop_on_memory_handles_every_accepted_command_first(tmp_path: Path) -> None:
    proc, hub, out = start_serve(tmp_path)
    day = time.strftime("%Y%m%d")
    template = EXAMPLE.read_text("utf-8")
    accepted: list[str] = []
    try:
        hold = sqlite3.connect(tmp_path / "onepoint-workorders.db", timeout=30, isolation_level=None)
        hold.execute("BEGIN EXCLUSIVE")  # the workflow worker waits for its database meanwhile
        for i in range(NOTICES):
            notice = f"FLT-{day}-{3000 + i:04d}"
            document = template.replace("nsp-20261123-091000-0007", f"nsp-drain-{i:06d}").replace(
                "FLT-20261123-0007", notice)
            answer = httpx.post(f"{hub}/xml/nsp", content=document.encode(), timeout=30, headers={
                "content-type": "application/xml", "authorization": "Bearer nsp-dev-token"})
            assert answer.status_code == 202, answer.text
            accepted.append(notice)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)  # the stop has begun; the backlog still waits behind the held database
        hold.execute("ROLLBACK")
        hold.close()
        proc.wait(WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with sqlite3.connect(tmp_path / "onepoint-workorders.db") as db:
        stored = {row[0] for row in db.execute("select notice_id from outage_notices")}
    assert [n for n in accepted if n not in stored] == [], out.read_text("utf-8", "replace")[-3000:]
    assert "messages lost at stop" not in out.read_text("utf-8", "replace")
