"""``onepoint serve --imap-port``, as ``--smtp-port``: the mail emulator's IMAP server (where a ``[mail.inbox]``
points) on the port given (unset: a free one) and its row in the printed table, as ``onepoint emulate all`` prints
``mail-imap imap://HOST:PORT``; a taken port names the IMAP server and the option that moves it, one out of range or
given without the emulators is a usage error. Through the CLI (CliRunner), the hub started in this process and
stopped before it serves (``GracefulServer.run`` replaced)."""

from __future__ import annotations

import imaplib
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli.graceful import GracefulServer
from hub.cli.main import main
from tests.support.ports import free_port

pytestmark = pytest.mark.integration


def serve_without_serving(monkeypatch: pytest.MonkeyPatch, answered: list[str], port: int | None) -> None:
    def run(self: GracefulServer, sockets: Any = None) -> None:  # instead of serving: the IMAP server answers?
        if port is not None:
            with imaplib.IMAP4("127.0.0.1", port, timeout=10) as imap:
                answered.append(imap.noop()[0])
        self.started = True

    monkeypatch.setattr(GracefulServer, "run", run)


def test_the_mail_emulators_imap_server_is_on_the_port_given_and_shown(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    port = free_port()
    answered: list[str] = []
    serve_without_serving(monkeypatch, answered, port)
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--emulator-base-port", "0", "--smtp-port", "0",
                                       "--imap-port", str(port), "--log-level", "ERROR"])
    assert result.exit_code == 0, result.output
    assert answered == ["OK"]
    (row,) = [line for line in result.output.splitlines() if "imap://" in line]
    assert "emulator mail" in row and f"imap://127.0.0.1:{port}" in row


def test_unset_the_imap_server_is_on_a_free_port_and_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    serve_without_serving(monkeypatch, [], None)
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--emulator-base-port", "0", "--smtp-port", "0",
                                       "--log-level", "ERROR"])
    assert result.exit_code == 0, result.output
    shown = re.search(r"imap://127\.0\.0\.1:(\d+)", result.output)
    assert shown is not None and int(shown.group(1)) > 0, result.output


def test_a_taken_imap_port_names_the_imap_server_and_its_option(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", "0", "--emulator-base-port", "0", "--smtp-port", "0",
                                           "--imap-port", str(port), "--log-level", "WARNING", "--log-format", "text"])
    assert result.exit_code == 1, result.output
    assert [line for line in result.output.splitlines() if line.startswith("Error")] == [
        f"Error: cannot serve the mail (IMAP) emulator on 127.0.0.1:{port}: Address already in use (free that port, "
        f"or give --imap-port another one, 0: a free one)"]


@pytest.mark.parametrize("port", ["65536", "-1"])
def test_an_imap_port_out_of_range_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    port: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--emulator-base-port", "0", "--imap-port", port])
    assert result.exit_code == 2, result.output
    assert "--imap-port" in result.output
    assert not list(tmp_path.glob("*.db"))
