"""``onepoint emulate`` as a real subprocess, and ``onepoint emulator ...`` against a running emulator."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from click.testing import CliRunner

from emulators.nsp import create_emulator
from emulators.pytest_plugin import EMULATORS, EmulatorUnavailable, resolve_emulator
from emulators.toolkit import start_emulator
from hub.cli.emulate import emulate, emulator

pytestmark = pytest.mark.integration

LAUNCH = [sys.executable, "-c", "from hub.cli.emulate import emulate; emulate(prog_name='onepoint emulate')"]


def importable() -> list[str]:
    names = []
    for name in EMULATORS:
        try:
            resolve_emulator(name)
        except EmulatorUnavailable:
            continue
        names.append(name)
    return names


def test_emulate_all_serves_every_emulator_and_stops_cleanly_on_sigterm():
    expected = importable()
    assert {"nsp", "dsmp", "oa"} <= set(expected)
    proc = subprocess.Popen([*LAUNCH, "all", "--base-port", "0", "--skip-missing", "--log-level", "WARNING"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline().split() for _ in expected]  # one line per emulator, once all are up
        assert [name for name, _ in lines] == expected
        for name, url in lines:
            assert url.startswith("http://127.0.0.1:")
            health = httpx.get(f"{url}/__admin/health", timeout=10).json()
            assert (health["status"], health["emulator"]) == ("ok", name)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in out and "stopped" not in err  # stderr carries only the log


def test_a_missing_emulator_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(EMULATORS, "ghost", "emulators.ghost:create_emulator")
    result = CliRunner().invoke(emulate, ["ghost", "--port", "0"])
    assert result.exit_code == 1
    assert "cannot import 'emulators.ghost'" in result.output
    result = CliRunner().invoke(emulate, ["nobody"])
    assert result.exit_code == 2  # a usage error, as an unknown option (it was 1)
    assert "no emulator 'nobody'" in result.output
    result = CliRunner().invoke(emulate, ["boss", "--subscribers", "-5"])
    assert result.exit_code == 2 and "'--subscribers': -5 is not in the range x>=1" in result.output


def test_bad_fault_and_option_are_refused_before_serving():
    assert CliRunner().invoke(emulate, ["nsp", "--fault", "{nope"]).exit_code == 2
    result = CliRunner().invoke(emulate, ["nsp", "--port", "0", "--fault", '{"kind": "meteor"}'])
    assert result.exit_code == 1
    assert "kind" in result.output


def test_emulator_commands_against_a_running_emulator(examples_dir):
    runner = CliRunner()
    with start_emulator(create_emulator(seed=2, auto_reply=False)) as nsp:
        body = (examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_bytes()
        nsp.http.post("/xml", content=body, headers={"content-type": "application/xml"})
        nsp.http.get("/nsp/tickets")
        result = runner.invoke(emulator, ["journal", nsp.base_url, "--operation", "NetworkComplaintDispatch"])
        assert result.exit_code == 0, result.output
        (line,) = result.output.splitlines()
        assert '"operation": "NetworkComplaintDispatch"' in line
        count = runner.invoke(emulator, ["journal", nsp.base_url, "--count", "--xpath",
                                         "//n:Area/c:AreaCode='0755'", "--ns", "n=urn:onepoint:nsp:1",
                                         "--ns", "c=urn:onepoint:common:1"])
        assert count.output.strip() == "1"
        added = runner.invoke(emulator, ["fault", nsp.base_url, "add", "error", "--operation", "ListTickets",
                                         "-p", "status=503"])
        assert added.exit_code == 0, added.output
        assert nsp.http.get("/nsp/tickets").status_code == 503
        assert '"kind": "error"' in runner.invoke(emulator, ["fault", nsp.base_url, "list"]).output
        assert runner.invoke(emulator, ["fault", nsp.base_url, "clear"]).exit_code == 0
        assert nsp.http.get("/nsp/tickets").status_code == 200
        assert '"tickets"' in runner.invoke(emulator, ["state", nsp.base_url]).output
        assert runner.invoke(emulator, ["reset", nsp.base_url]).exit_code == 0
        assert nsp.state()["tickets"] == []
    # its port is free again, and another test process may take it at once: ask one bound and never listening
    # instead (a connection to it is refused for as long as it is held)
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        gone = runner.invoke(emulator, ["state", f"http://127.0.0.1:{held.getsockname()[1]}"])
    assert gone.exit_code == 1
    assert "cannot reach" in gone.output


def test_shared_options_go_only_to_emulators_that_take_them():
    proc = subprocess.Popen([*LAUNCH, "all", "--base-port", "0", "--skip-missing", "--log-level", "WARNING",
                             "--subscribers", "30", "--hub-url", "http://127.0.0.1:9", "--hub-token", "oa=t",
                             "--hub-token", "nsp=t", "--hub-token", "mail=t"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = dict(proc.stdout.readline().split() for _ in importable())
        assert httpx.get(f"{lines['dsmp']}/__admin/state", timeout=10).json()["population"]["subscribers"] == 30
        assert httpx.get(f"{lines['oa']}/__admin/state", timeout=10).json()["config"]["hub_url"] == \
            "http://127.0.0.1:9"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def test_emulator_commands_against_a_server_that_is_no_emulator_say_so_in_one_line():
    class Welcome(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = b"<html><body>Welcome</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Welcome)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = CliRunner().invoke(emulator, ["state", f"http://127.0.0.1:{server.server_address[1]}"])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1 and result.exception is not None and isinstance(result.exception, SystemExit)
    (line,) = result.output.strip().splitlines()
    assert "is text/html, not a JSON object: is this an emulator's base URL?" in line
