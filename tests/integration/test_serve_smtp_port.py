"""``onepoint serve --smtp-port``, as ``onepoint emulate --smtp-port``: the mail emulator's SMTP server on the port
given (unset: 8025 at the default emulator ports, else a free one), the hub's ``[mail] smtp_port`` pointed at it
and the printed table showing it; without the emulators it is a usage error. Through the CLI (CliRunner), the hub
started in this process and stopped before it serves (``GracefulServer.run`` replaced)."""

from __future__ import annotations

import smtplib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli.graceful import GracefulServer
from hub.cli.main import main
from tests.support.ports import free_port

pytestmark = pytest.mark.integration


def test_the_mail_emulators_smtp_server_is_on_the_port_given_and_shown(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    port = free_port()
    answered: list[int] = []

    def run(self: GracefulServer, sockets: Any = None) -> None:  # instead of serving: the SMTP server answers?
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            answered.append(smtp.noop()[0])
        self.started = True

    monkeypatch.setattr(GracefulServer, "run", run)
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--emulator-base-port", "0", "--smtp-port", str(port),
                                       "--log-level", "ERROR"])
    assert result.exit_code == 0, result.output
    assert answered == [250]
    assert f"smtp://127.0.0.1:{port}" in result.output


@pytest.mark.parametrize("option", ["--smtp-port", "--imap-port"])
def test_the_mail_emulators_ports_need_the_emulators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     option: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--no-emulators", "--port", "0", option, "0"])
    assert result.exit_code == 2, result.output
    (line,) = [text for text in result.output.splitlines() if text.startswith("Error:")]
    assert option in line and "emulator" in line
    assert not list(tmp_path.glob("*.db"))  # refused before anything started
