"""The audited ``peer`` of an SMS-log query over a real connection (``hub.http.server``): the address the
connection came from, whatever ``X-Forwarded-For`` a caller on this machine writes, unless ``[server]
trusted_proxies`` names the address it came from (a reverse proxy), whose header is then believed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import uvicorn

from hub.audit import AuditLog
from hub.config.settings import HubSettings
from hub.http.server import server_config
from hub.ingress.app import create_app
from hub.routing.router import InMemoryRouter
from tests.support.ports import free_port

pytestmark = pytest.mark.integration

FORWARDED = {"content-type": "application/xml", "authorization": "Bearer nsp-dev-token",
             "x-forwarded-for": "203.0.113.9"}


@contextmanager
def hub_serving(settings: HubSettings) -> Iterator[str]:
    app = create_app(settings, router=InMemoryRouter())
    port = free_port()
    server = uvicorn.Server(server_config(app.asgi, host="127.0.0.1", port=port, lifespan="on",
                                         log_level="warning", trusted_proxies=settings.trusted_proxies))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the hub never started"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def audited_peer(settings: HubSettings, document: bytes) -> str:
    with hub_serving(settings) as url:
        assert httpx.post(f"{url}/xml/dsmp", content=document, headers=FORWARDED, timeout=20).status_code == 403
    with AuditLog.open(settings.audit, create=False) as log:
        [row] = log.last(10)
    return str(row.as_dict()["peer"])


@pytest.mark.parametrize(("trusted", "peer"), [((), "127.0.0.1"), (("127.0.0.1",), "203.0.113.9")])
def test_the_audited_peer_is_the_connections_address_unless_it_is_a_trusted_proxy(
        dev_settings: HubSettings, examples_dir: Path, tmp_path: Path, trusted: tuple[str, ...], peer: str) -> None:
    settings = replace(dev_settings, trusted_proxies=trusted,
                       audit=replace(dev_settings.audit, path=tmp_path / "audit.db"))
    document = (examples_dir / "dsmp" / "QuerySmsLog.valid.xml").read_bytes()
    assert audited_peer(settings, document) == peer
