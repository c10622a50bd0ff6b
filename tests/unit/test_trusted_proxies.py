"""``[server] trusted_proxies``: the client is the address its connection came from, unless a proxy named there
says otherwise in ``X-Forwarded-For`` (an SMS-log query's audited ``peer`` and the sign-in throttle read it)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from hub.config import ConfigError, load_settings
from hub.http.server import server_config

pytestmark = pytest.mark.unit

FORGED = [(b"x-forwarded-for", b"203.0.113.9"), (b"x-forwarded-proto", b"https")]


def settings_from(tmp_path: Path, server: str) -> Any:
    path = tmp_path / "hub.toml"
    path.write_text(f"[server]\n{server}\n")
    return load_settings(path)


def client_seen(connected_from: str, **options: Any) -> tuple[str, str]:
    """The client address and scheme the app sees of a request from ``connected_from`` carrying ``FORGED``."""
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(client=scope["client"][0], scheme=scope["scheme"])

    config = server_config(app, lifespan="off", **options)
    config.load()
    scope = {"type": "http", "client": (connected_from, 40000), "scheme": "http", "headers": FORGED,
             "method": "GET", "path": "/", "asgi": {"version": "3.0"}}
    asyncio.run(config.loaded_app(scope, None, None))
    return seen["client"], seen["scheme"]


def test_no_proxy_is_trusted_by_default(tmp_path: Path) -> None:
    # a process of this machine writing X-Forwarded-For names no address but its own
    assert client_seen("127.0.0.1") == ("127.0.0.1", "http")
    assert client_seen("::1") == ("::1", "http")
    assert load_settings().trusted_proxies == ()
    assert settings_from(tmp_path, 'host = "127.0.0.1"').trusted_proxies == ()


def test_a_trusted_proxys_forwarded_address_is_the_client(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, 'trusted_proxies = ["10.0.0.5", "10.1.0.0/16", " ::1 "]')
    assert settings.trusted_proxies == ("10.0.0.5", "10.1.0.0/16", "::1")
    assert client_seen("10.0.0.5", trusted_proxies=settings.trusted_proxies) == ("203.0.113.9", "https")
    assert client_seen("10.1.7.7", trusted_proxies=settings.trusted_proxies) == ("203.0.113.9", "https")
    # any other address, this machine's among them, is still the client itself
    assert client_seen("127.0.0.1", trusted_proxies=settings.trusted_proxies) == ("127.0.0.1", "http")


@pytest.mark.parametrize("line", [
    'trusted_proxies = "10.0.0.5"', 'trusted_proxies = ["*"]', 'trusted_proxies = ["proxy.example.com"]',
    'trusted_proxies = ["10.1.0.1/16"]', "trusted_proxies = [5]",
])
def test_a_bad_trusted_proxies_names_the_key(tmp_path: Path, line: str) -> None:
    with pytest.raises(ConfigError, match=re.escape("server.trusted_proxies")):
        settings_from(tmp_path, line)


def test_serve_gives_the_trusted_proxies_to_its_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import click
    from click.testing import CliRunner

    import hub.cli.serve
    import hub.http.server
    from hub.cli.main import main

    given: dict[str, Any] = {}

    def config(app: Any, **options: Any) -> Any:
        given.update(options)
        raise click.ClickException("stopped by the test")

    hub_app = type("Hub", (), {"asgi": None, "registry": type("Registry", (), {"names": lambda self: []})()})()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(hub.cli.serve, "_start_system", lambda system, settings: hub_app)
    monkeypatch.setattr(hub.cli.serve, "_prepare", lambda *args: False)
    monkeypatch.setattr(hub.cli.serve, "print_url_table", lambda *args, **kwargs: None)
    monkeypatch.setattr(hub.http.server, "server_config", config)
    (tmp_path / "hub.toml").write_text('[server]\ntrusted_proxies = ["10.0.0.5"]\n[audit]\ndevelopment_key = true\n')
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--no-emulators", "--config", "hub.toml"])
    assert "stopped by the test" in result.output, result.output
    assert given["trusted_proxies"] == ("10.0.0.5",)
