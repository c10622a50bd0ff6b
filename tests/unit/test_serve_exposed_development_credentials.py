"""``onepoint serve`` on an address other machines reach: refused (usage error, exit 2, before binding) while the
published development credentials or the development audit key are in effect -- it only warned, so ``--host
0.0.0.0`` without ``--config`` let anyone on the network in with ``cs-dev-token`` (security audit); and warned, one
line, that without ``[server] trusted_proxies`` every caller behind one proxy or NAT shares one sign-in throttle key.
Nothing here binds but 127.0.0.1: ``_listen`` is replaced."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

import hub.cli.serve
from hub.cli.main import main

pytestmark = pytest.mark.unit

EVERY_ADDRESS = "0.0.0.0"  # noqa: S104 (never bound here: `_listen` is replaced)
OWN = '[[callers]]\nsystem = "NSP"\nusername = "nsp"\nws_password = "own"\n'
SHARED_KEY = "all callers behind one proxy or NAT share one sign-in throttle key"


@pytest.fixture
def nothing_bound(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The hosts `_listen` was asked for; it binds 127.0.0.1 whatever it is asked, and the start stops after it."""
    asked: list[str] = []

    def loopback(host: str, port: int) -> socket.socket:
        asked.append(host)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        return sock

    def stop_here(*_: Any) -> Any:
        raise click.ClickException("stopped by the test")

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ONEPOINT_AUDIT_KEY", raising=False)
    monkeypatch.setattr(hub.cli.serve, "_listen", loopback)
    monkeypatch.setattr(hub.cli.serve, "_start_system", stop_here)
    return asked


def serve(*args: str) -> Result:
    return CliRunner().invoke(main, ["serve", "--port", "0", "--no-emulators", "--log-format", "text", *args])


def refusal(result: Result) -> str:
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    (line,) = [text for text in result.output.splitlines() if text.startswith("Error:")]
    return line


@pytest.mark.parametrize("host", [EVERY_ADDRESS, "::", "192.0.2.10"])
def test_the_built_in_credentials_on_an_address_others_reach_are_refused(nothing_bound: list[str], host: str) -> None:
    line = refusal(serve("--host", host))
    assert f"--host {host}" in line and "DEVELOPMENT" in line and "--config" in line, line
    assert "[audit]" in line and "127.0.0.1" in line, line
    assert nothing_bound == []


def test_a_settings_file_carrying_them_is_refused_naming_the_callers(nothing_bound: list[str]) -> None:
    defaults = Path(hub.cli.serve.__file__).parents[1] / "config" / "defaults.toml"
    copied = defaults.read_text("utf-8").replace('host = "127.0.0.1"', 'host = "0.0.0.0"', 1)
    Path("hub.toml").write_text(copied, "utf-8")
    line = refusal(serve("--config", "hub.toml"))
    assert "[server] host 0.0.0.0" in line and "CS (cs-frontend" in line, line
    assert "cs-dev-token" not in line and nothing_bound == []


def test_the_development_audit_key_is_refused_too(nothing_bound: list[str]) -> None:
    Path("hub.toml").write_text(OWN + "[audit]\ndevelopment_key = true\n", "utf-8")
    line = refusal(serve("--config", "hub.toml", "--host", EVERY_ADDRESS))
    assert "[audit] development_key" in line and "key_env" in line, line


def test_the_development_audit_key_is_not_in_effect_once_its_variable_is_set(
        nothing_bound: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEPOINT_AUDIT_KEY", "k" * 32)
    Path("hub.toml").write_text(OWN + "[audit]\ndevelopment_key = true\n", "utf-8")
    assert "stopped by the test" in serve("--config", "hub.toml", "--host", EVERY_ADDRESS).output
    assert nothing_bound == [EVERY_ADDRESS]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_the_development_credentials_on_loopback_only_warn(nothing_bound: list[str], host: str) -> None:
    result = serve("--host", host)
    assert "stopped by the test" in result.output and "DEVELOPMENT credentials" in result.output
    assert SHARED_KEY not in result.output and nothing_bound == [host]


def test_own_credentials_on_every_address_warn_that_callers_behind_a_proxy_share_a_throttle_key(
        nothing_bound: list[str]) -> None:
    Path("hub.toml").write_text(OWN, "utf-8")
    result = serve("--config", "hub.toml", "--host", EVERY_ADDRESS)
    assert "stopped by the test" in result.output and nothing_bound == [EVERY_ADDRESS]
    (line,) = [text for text in result.output.splitlines() if SHARED_KEY in text]
    assert "WARNING" in line and "[server] trusted_proxies" in line


def test_trusted_proxies_set_no_warning_of_a_shared_throttle_key(nothing_bound: list[str]) -> None:
    Path("hub.toml").write_text(OWN + '[server]\ntrusted_proxies = ["10.0.0.5"]\n', "utf-8")
    result = serve("--config", "hub.toml", "--host", EVERY_ADDRESS)
    assert "stopped by the test" in result.output and SHARED_KEY not in result.output


PASSWORD_TEXT_IDLE = "[security] password_text_over_tls is on, but no request can come over HTTPS"


@pytest.mark.parametrize("host", [EVERY_ADDRESS, "127.0.0.1"])
def test_password_text_over_tls_without_a_trusted_proxy_warns_that_it_does_nothing(
        nothing_bound: list[str], host: str) -> None:
    """The hub serves no TLS of its own: only a trusted proxy's X-Forwarded-Proto makes a request HTTPS."""
    Path("hub.toml").write_text(OWN + "[security]\npassword_text_over_tls = true\n", "utf-8")
    result = serve("--config", "hub.toml", "--host", host)
    assert "stopped by the test" in result.output
    (line,) = [text for text in result.output.splitlines() if PASSWORD_TEXT_IDLE in text]
    assert "WARNING" in line and "[server] trusted_proxies" in line and "PasswordText" in line


@pytest.mark.parametrize("text", ["[security]\npassword_text_over_tls = true\n"
                                  '[server]\ntrusted_proxies = ["10.0.0.5"]\n', ""])
def test_no_warning_with_a_trusted_proxy_or_with_the_setting_off(nothing_bound: list[str], text: str) -> None:
    Path("hub.toml").write_text(OWN + text, "utf-8")
    result = serve("--config", "hub.toml", "--host", EVERY_ADDRESS)
    assert "stopped by the test" in result.output and PASSWORD_TEXT_IDLE not in result.output
