"""``onepoint mail fetch`` (hub/cli/mail.py): one pass over ``[mail.inbox]``; the counts printed, exit 0; an inbox
that cannot be reached is one line naming it, exit 1; settings without ``[mail.inbox]`` are a clear error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulators.mail import create_emulator
from emulators.mail.app import MailEmulatorApp
from hub.cli.main import main
from tests.support.ports import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def emulator() -> Iterator[MailEmulatorApp]:
    app = create_emulator()
    try:
        yield app
    finally:
        app.close()


MAIL_CALLER = """
[[callers]]
system = "MAIL"
username = "mail"
token_hashes = ["sha256$243ef1fce5adaf451a5fa4ab01a9dea319023bc282a57e7fe600fe2f110a1704"]
commands = ["mail.AnswerMail"]
"""


def _config(tmp_path: Path, port: int, callers: str = MAIL_CALLER) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(callers + f'[mail.inbox]\nimap_host = "127.0.0.1"\nimap_port = {port}\nusername = "onepoint-hub"\n'
                    'password_env = "TEST_IMAP_PASSWORD"\ntls = false\nconnect_timeout = 5\n', encoding="utf-8")
    return path


def test_one_pass_prints_the_counts(tmp_path: Path, emulator: MailEmulatorApp,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "mail-dev-imap")
    emulator.service.inbox.deliver("onepoint-hub", b"From: someone@example.com\r\nSubject: hi\r\n\r\nhello\r\n")
    result = CliRunner().invoke(main, ["mail", "fetch", "--config", str(_config(tmp_path, emulator.imap.port))])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "taken 0, refused 1, left 0"  # no Message-ID: refused (400)
    assert emulator.service.inbox.snapshot()["onepoint-hub"][0]["flags"] == ["\\Flagged", "\\Seen"]


def test_an_unreachable_inbox_is_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "x")
    port = free_port()
    result = CliRunner().invoke(main, ["mail", "fetch", "--config", str(_config(tmp_path, port))])
    assert result.exit_code == 1 and f"127.0.0.1:{port}" in result.output
    nothing = CliRunner().invoke(main, ["mail", "fetch"])
    assert nothing.exit_code == 1 and "no [mail.inbox]" in nothing.output
    no_caller = CliRunner().invoke(main, ["mail", "fetch", "--config", str(_config(tmp_path, port, callers=""))])
    assert no_caller.exit_code == 1 and 'system = "MAIL"' in no_caller.output


def test_a_broker_that_cannot_be_reached_is_one_line_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "x")
    config = _config(tmp_path, free_port())
    config.write_text(f'[broker]\nurl = "amqp://guest:guest@127.0.0.1:{free_port()}/%2F"\n'
                      + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(main, ["mail", "fetch", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert "the broker cannot be reached: nothing was fetched, the mails stay unseen" in result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output  # click's one line
