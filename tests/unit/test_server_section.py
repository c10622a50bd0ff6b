"""``[server]``: the read deadline and the connection cap of the hub's server, and the public URL of a hub bound to
every address (``--host 0.0.0.0``): no WSDL ever tells a client to post to 0.0.0.0 (interop audit, defects 2, 4)."""

from __future__ import annotations

import asyncio
import re
import resource
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

import hub.cli.serve
from hub.cli.main import main
from hub.config import ConfigError, load_settings
from hub.config.server import READ_TIMEOUT_SECONDS
from hub.http import server as http_server
from hub.http.protocol import DEFAULT_READ_TIMEOUT
from hub.ingress.app import create_app
from hub.system import links_to

pytestmark = pytest.mark.unit

EVERY_ADDRESS = "0.0.0.0"  # noqa: S104 (never bound here: the settings and the warning of a hub that would be)


def settings_from(tmp_path: Path, server: str) -> Any:
    path = tmp_path / "hub.toml"
    path.write_text(f"[server]\n{server}\n")
    return load_settings(path)


def test_the_read_deadline_and_the_cap_have_defaults_and_can_be_set(tmp_path: Path) -> None:
    defaults = load_settings()
    assert (defaults.read_timeout, defaults.max_connections) == (30.0, None)  # None: half the open-file limit
    chosen = settings_from(tmp_path, "read_timeout_seconds = 7.5\nmax_connections = 300")
    assert (chosen.read_timeout, chosen.max_connections) == (7.5, 300)
    assert READ_TIMEOUT_SECONDS == DEFAULT_READ_TIMEOUT  # the emulators' servers keep the hub's


@pytest.mark.parametrize(("line", "message"), [
    ("read_timeout_seconds = 0", "server.read_timeout_seconds must be a number of seconds above 0"),
    ("read_timeout_seconds = -1", "server.read_timeout_seconds must be a number of seconds above 0"),
    ('read_timeout_seconds = "30s"', "server.read_timeout_seconds must be a number of seconds above 0"),
    ("read_timeout_seconds = nan", "server.read_timeout_seconds must be a number of seconds above 0"),
    ("max_connections = 0", "server.max_connections must be a positive whole number"),
    ("max_connections = 2.5", "server.max_connections must be a positive whole number"),
    ("max_connections = true", "server.max_connections must be a positive whole number"),
])
def test_a_bad_read_deadline_or_cap_names_the_key(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        settings_from(tmp_path, line)


@pytest.mark.parametrize(("soft", "cap"), [(1024, 512), (20, 16), (65536, 4096), (resource.RLIM_INFINITY, 4096)])
def test_the_default_cap_is_half_the_open_file_limit(monkeypatch: pytest.MonkeyPatch, soft: int, cap: int) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda which: (soft, resource.RLIM_INFINITY))
    assert http_server.default_max_connections() == cap


@pytest.mark.parametrize("host", [EVERY_ADDRESS, "::"])
def test_a_hub_bound_to_every_address_names_this_machine(host: str) -> None:
    hub_url = replace(load_settings(), host=host, port=8000).hub_url
    assert hub_url == f"http://{socket.gethostname()}:8000"


def test_the_wsdl_of_a_hub_bound_to_every_address_names_no_unspecified_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    settings = links_to(settings, replace(settings, host=EVERY_ADDRESS, port=8000, public_url=None).hub_url)  # as serve
    app = create_app(settings)

    async def wsdl() -> str:
        transport = httpx.ASGITransport(app.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.example.com:8000") as client:
            return (await client.get("/soap/workorder?wsdl")).text

    address = re.search(r'address location="([^"]+)"', asyncio.run(wsdl()))
    assert address is not None
    assert address.group(1) == f"http://{socket.gethostname()}:8000/soap/workorder"


def test_serve_takes_the_public_url_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Any] = []
    monkeypatch.setattr(hub.cli.serve, "_serve", lambda sock, host, settings, **_: served.append(settings))
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--public-url", "https://hub.example.com/"])
    assert result.exit_code == 0, result.output
    assert served[0].public_url == "https://hub.example.com"


def test_a_public_url_that_is_no_url_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--public-url", "hub.example.com"])
    assert result.exit_code == 2
    assert "Invalid value for '--public-url': 'hub.example.com' must be an absolute http:// or https:// URL" \
        in result.output


def test_binding_every_address_without_a_public_url_warns_at_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--host 0.0.0.0`` (the listening socket bound on 127.0.0.1 here): one warning, naming the guess and the
    option, before anything starts. Credentials of its own: on the development ones the start is refused
    (tests/unit/test_serve_exposed_development_credentials.py)."""
    def loopback(host: str, port: int) -> socket.socket:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        return sock

    def stop_here(*_: Any) -> Any:
        raise click.ClickException("stopped by the test")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(hub.cli.serve, "_listen", loopback)
    monkeypatch.setattr(hub.cli.serve, "_start_system", stop_here)
    (tmp_path / "own.toml").write_text('[[callers]]\nsystem = "NSP"\nusername = "nsp"\nws_password = "own"\n')
    own = ["serve", "--config", "own.toml", "--host", EVERY_ADDRESS, "--no-emulators", "--log-format", "json"]
    warned = CliRunner().invoke(main, own)
    named = CliRunner().invoke(main, [*own, "--public-url", "https://hub.example.com"])
    assert "stopped by the test" in warned.output and "stopped by the test" in named.output
    assert "bound to every address (0.0.0.0) with no public URL" in warned.output
    assert f"name this machine as http://{socket.gethostname()}:" in warned.output
    assert "give --public-url" in warned.output
    assert "bound to every address" not in named.output
