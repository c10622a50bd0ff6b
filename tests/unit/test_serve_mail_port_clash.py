"""``onepoint serve --imap-port`` / ``--smtp-port`` on a port an emulator takes (``--emulator-base-port`` and the
five after it) or the hub's own (``--port``) is a usage error (exit 2) naming both options, before anything starts;
it was blamed on ``--emulator-base-port`` once the emulators failed to start."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import hub.cli.serve
from hub.cli.main import main

pytestmark = pytest.mark.unit


@pytest.fixture
def nothing_started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)

    def listen(host: str, port: int) -> None:
        raise AssertionError("the hub's port was bound")

    monkeypatch.setattr(hub.cli.serve, "_listen", listen)


@pytest.mark.parametrize(("args", "named"), [
    (["--imap-port", "9103"], ("--imap-port", "--emulator-base-port")),
    (["--smtp-port", "9100"], ("--smtp-port", "--emulator-base-port")),
    (["--smtp-port", "9105"], ("--smtp-port", "--emulator-base-port")),
    (["--imap-port", "9050"], ("--imap-port", "--port")),
    (["--smtp-port", "9050"], ("--smtp-port", "--port")),
    (["--smtp-port", "9060", "--imap-port", "9060"], ("--smtp-port", "--imap-port")),
])
@pytest.mark.usefixtures("nothing_started")
def test_a_mail_port_on_a_port_taken_by_another_is_a_usage_error(args: list[str], named: tuple[str, str]) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "9050", "--emulator-base-port", "9100", *args,
                                       "--log-level", "ERROR"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    (line,) = [text for text in result.output.splitlines() if text.startswith("Error:")]
    assert all(option in line for option in named), line


@pytest.mark.usefixtures("nothing_started")
def test_free_ports_clash_with_nothing() -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--emulator-base-port", "0", "--smtp-port", "0",
                                       "--imap-port", "0", "--log-level", "ERROR"])
    assert "the hub's port was bound" in repr(result.exception)  # past the checks, stopped at the bind


@pytest.mark.usefixtures("nothing_started")
def test_the_hub_on_the_default_smtp_port_is_a_usage_error() -> None:
    """Unset, ``--smtp-port`` is 8025 at the default ``--emulator-base-port``: the hub on 8025 bound it first and the
    mail emulator then failed to start."""
    result = CliRunner().invoke(main, ["serve", "--port", "8025", "--log-level", "ERROR"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    (line,) = [text for text in result.output.splitlines() if text.startswith("Error:")]
    assert "--smtp-port" in line and "--port 8025" in line, line


@pytest.mark.usefixtures("nothing_started")
def test_the_hub_on_8025_with_emulators_elsewhere_is_no_clash() -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "8025", "--emulator-base-port", "9100",
                                       "--log-level", "ERROR"])
    assert "the hub's port was bound" in repr(result.exception)  # a free SMTP port: past the checks


@pytest.mark.usefixtures("nothing_started")
def test_free_hub_and_emulator_ports_without_mail_ports_clash_with_nothing() -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--emulator-base-port", "0", "--log-level", "ERROR"])
    assert "the hub's port was bound" in repr(result.exception)  # both free: 0 is no port, past the checks
