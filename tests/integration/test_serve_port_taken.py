"""``onepoint serve --port P`` with P taken: one line naming the address, exit 1, before anything starts (no
emulator, no worker, no URL table claiming another program's port) -- like a taken emulator port (audit defect 4),
which names the emulator and its host:port, as ``onepoint emulate`` does, and stops those already started."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

import hub.system
from hub.cli.main import main
from tests.support.ports import free_port_run

pytestmark = pytest.mark.integration


def test_a_taken_hub_port_is_one_line_and_starts_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []

    def start_emulators(*_: object, **__: object) -> None:
        started.append("emulators")
        raise OSError("the emulators were started")

    monkeypatch.setattr(hub.system, "start_emulators", start_emulators)
    monkeypatch.chdir(tmp_path)
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port), "--emulator-base-port", "0"])
    assert result.exit_code == 1 and started == []
    assert result.output.splitlines() == [
        f"Error: cannot bind the hub to 127.0.0.1:{port}: Address already in use (try --port 0 for a free one)"]
    assert list(tmp_path.iterdir()) == []  # no work-order database, no bulletin: nothing was opened


def test_a_taken_emulator_port_names_the_emulator_and_its_address(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = free_port_run(6)  # boss, crm, nsp, dsmp, oa, mail
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", base + 3))  # dsmp's
        other_program.listen()
        result = CliRunner().invoke(main, ["serve", "--port", "0", "--emulator-base-port", str(base),
                                           "--log-level", "WARNING", "--log-format", "text"])
    assert result.exit_code == 1, result.output
    assert [line for line in result.output.splitlines() if line.startswith("Error")] == [
        f"Error: cannot serve the dsmp emulator on 127.0.0.1:{base + 3}: Address already in use (free that port, or "
        f"give --emulator-base-port another first port: the emulators take it and the 5 after it, {base}-{base + 5} "
        f"now; 0: free ports)"]
    for port in range(base, base + 3):  # boss, crm and nsp, started before it, were stopped again
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
