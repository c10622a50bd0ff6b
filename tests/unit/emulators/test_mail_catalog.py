"""The mail emulator is a first-class emulator: in the catalogue, ``onepoint emulate mail`` / ``all`` with its SMTP
port (``--smtp-port``, default 8025, the hub's ``[mail] smtp_port``; 0: a free port) printed beside its URL."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

import emulators.toolkit
from emulators.catalog import EMULATORS, resolve_emulator
from hub.cli.emulate import DEFAULT_SMTP_PORT, emulate, smtp_port_for

pytestmark = pytest.mark.unit


def started_and_stopped(apps: Iterable[tuple[Any, int]], *, host: str,
                        on_started: Callable[[list[Any]], None]) -> None:
    """``serve_all`` without HTTP sockets: every app 'started', then stopped (its SMTP server too)."""
    pairs = list(apps)
    on_started([SimpleNamespace(name=app.name, url=f"http://{host}:{9000 + n}", app=app)
                for n, (app, _) in enumerate(pairs)])
    for app, _ in pairs:
        app.close()


def test_the_catalogue_registers_the_mail_emulator_last() -> None:
    from emulators.mail import create_emulator

    assert list(EMULATORS)[-1] == "mail"
    assert resolve_emulator("mail") is create_emulator


def test_the_smtp_port_defaults_to_the_hubs_and_is_free_with_free_http_ports() -> None:
    assert DEFAULT_SMTP_PORT == 8025
    assert smtp_port_for(None, port=None, base_port=8101) == 8025
    assert smtp_port_for(None, port=0, base_port=8101) == 0
    assert smtp_port_for(None, port=None, base_port=0) == 0
    assert smtp_port_for(2525, port=0, base_port=0) == 2525


def test_emulate_mail_prints_its_url_and_its_smtp_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emulators.toolkit, "serve_all", started_and_stopped)
    result = CliRunner().invoke(emulate, ["mail", "--port", "0", "--smtp-port", "0"])
    assert result.exit_code == 0, result.output
    first, smtp, imap, stopped = result.stdout.splitlines()
    assert first == "mail http://127.0.0.1:9000"
    name, address = smtp.split()
    assert name == "mail-smtp" and address.startswith("smtp://127.0.0.1:") and not address.endswith(":0")
    name, address = imap.split()  # its IMAP server: the hub's [mail.inbox]
    assert name == "mail-imap" and address.startswith("imap://127.0.0.1:") and not address.endswith(":0")
    assert stopped == "stopped"


@pytest.mark.parametrize("args", [["mail", "--smtp-port", "70000"], ["mail", "--smtp-port", "-1"]])
def test_an_smtp_port_out_of_range_is_a_usage_error(args: list[str]) -> None:
    result = CliRunner().invoke(emulate, args)
    assert result.exit_code == 2
    assert "--smtp-port" in result.output


def test_an_smtp_port_for_an_emulator_without_smtp_is_a_usage_error() -> None:
    result = CliRunner().invoke(emulate, ["nsp", "--port", "0", "--smtp-port", "0"])
    assert result.exit_code == 2
    assert "only the mail emulator" in result.output


def test_base_port_leaves_room_for_six_emulators() -> None:
    result = CliRunner().invoke(emulate, ["all", "--base-port", "65531"])
    assert result.exit_code == 2
    assert "--base-port" in result.output


def test_serves_table_lists_the_mail_emulators_smtp_server_and_mailbox() -> None:
    from hub.system.endpoints import endpoints

    rows = endpoints("http://127.0.0.1:8000", [], emulators={"mail": "http://127.0.0.1:8106"},
                     smtp={"mail": ("127.0.0.1", 8025)})
    assert [(row.group, row.url) for row in rows if row.group == "emulator mail"] == [
        ("emulator mail", "smtp://127.0.0.1:8025"), ("emulator mail", "http://127.0.0.1:8106/mail/messages"),
        ("emulator mail", "http://127.0.0.1:8106/__admin/")]
