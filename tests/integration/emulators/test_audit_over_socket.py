"""After the audit, over real sockets: a slow journal query does not stall the emulator, and the foreground runner
(serve_forever) runs an NSP notice script and stops quietly on Ctrl-C and SIGTERM."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from emulators.nsp import create_emulator as create_nsp
from emulators.toolkit import start_emulator
from emulators.toolkit.runner import bind_socket

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
XML = {"content-type": "application/xml"}
SLOW_XPATH = "count(//*[count(//*[count(//*[count(//*) > 0]) > 0]) > 0]) > 0"
SERVE = """
import sys
from emulators.catalog import resolve_emulator
from emulators.toolkit import serve_forever
script = [{"at": 0.2, "raise": "cut", "title": "Fibre cut", "areas": ["0755"], "services": ["DATA"], "wording": "w"}]
serve_forever(resolve_emulator("nsp")(schedule=script), port=int(sys.argv[1]), log_level="warning")
print("returned", flush=True)
"""


def test_a_slow_journal_query_does_not_stall_the_emulator(examples_dir):
    base = (examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_text()
    with start_emulator(create_nsp(auto_reply=False)) as nsp:
        for n in range(150):
            nsp.http.post("/xml", content=base.replace("hub-1a2b3c4d5e6f7081", f"hub-x-{n:012d}").encode(),
                          headers=XML)
        done: dict[str, float] = {}

        def query() -> None:
            started = time.monotonic()
            with httpx.Client(timeout=120) as client:
                client.get(nsp.url("/__admin/journal/count"), params={"xpath": SLOW_XPATH})
            done["query"] = time.monotonic() - started

        caller = threading.Thread(target=query)
        caller.start()
        time.sleep(0.3)
        started = time.monotonic()
        assert httpx.get(nsp.url("/__admin/health"), timeout=120).status_code == 200
        health_took = time.monotonic() - started
        still_running = caller.is_alive()
        caller.join(120)
        assert still_running, f"the query ended too soon to tell ({done})"
        assert health_took < 0.5, f"health waited {health_took:.2f} s for the XPath query ({done['query']:.2f} s)"


def _free_port() -> int:
    sock = bind_socket()
    try:
        return int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_forever_runs_the_notice_script_and_stops_quietly(stop):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        notices: list[dict[str, object]] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not notices:
            with contextlib.suppress(httpx.HTTPError):
                notices = httpx.get(f"http://127.0.0.1:{port}/nsp/outages", timeout=2).json()["notices"]
            time.sleep(0.1)
        assert [n["title"] for n in notices] == ["Fibre cut"]  # the script ran under serve_forever
    finally:
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert out.strip() == "returned"
