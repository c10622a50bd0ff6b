"""A real zeep client sending a PasswordText UsernameToken (as WCF's TransportWithMessageCredential does) to the
real hub over HTTP, served as ``onepoint serve`` serves it (`hub.http.server.server_config`) with ``[server]
trusted_proxies = ["127.0.0.1"]`` and ``[security] password_text_over_tls = true``: answered when the request says
it came over HTTPS through that proxy (``X-Forwarded-Proto: https``), refused without."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import uvicorn
import zeep
from zeep.exceptions import Fault
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from hub.config import load_settings
from hub.config.settings import HubSettings
from hub.http.server import server_config
from hub.ingress.app import create_app
from hub.routing.router import InMemoryRouter
from tests.support.ports import free_port

pytestmark = pytest.mark.integration

SETTINGS = """[server]
public_url = "http://127.0.0.1:{port}"
trusted_proxies = ["127.0.0.1"]
[security]
password_text_over_tls = true
[[callers]]
system = "CS"
username = "wcf-frontend"
ws_password = "wcf-s3cret"
commands = ["workorder.*"]
"""


@contextmanager
def hub_serving(settings: HubSettings, port: int) -> Iterator[InMemoryRouter]:
    router = InMemoryRouter()
    app = create_app(settings, router=router)
    server = uvicorn.Server(server_config(app.asgi, host="127.0.0.1", port=port, lifespan="on",
                                         log_level="warning", trusted_proxies=settings.trusted_proxies))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the hub never started"
        time.sleep(0.01)
    try:
        yield router
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, InMemoryRouter]]:
    """The hub of `SETTINGS` (a settings file, as ``onepoint serve --config`` reads it) on a free port."""
    port = free_port()
    path: Path = tmp_path_factory.mktemp("password-text") / "hub.toml"
    path.write_text(SETTINGS.format(port=port), "utf-8")
    with hub_serving(load_settings(path), port) as router:
        yield f"http://127.0.0.1:{port}", router


def client(base_url: str, *, forwarded_https: bool) -> zeep.Client:
    session = requests.Session()
    if forwarded_https:  # what a TLS-terminating proxy on 127.0.0.1 adds
        session.headers["X-Forwarded-Proto"] = "https"
    return zeep.Client(f"{base_url}/soap/workorder?wsdl", transport=Transport(session=session),
                       wsse=UsernameToken("wcf-frontend", "wcf-s3cret"))  # no use_digest: PasswordText


def create_work_order(message_id: str) -> dict[str, object]:
    return {
        "Header": {"MessageId": message_id, "SourceSystem": "CS", "SentAt": "2026-11-23T09:15:00+08:00"},
        "Channel": "HOTLINE", "Msisdn": "13800138000", "ContactNumber": "0755-83765432", "CategoryCode": "01.02.03",
        "Phenomenon": "Cannot originate calls", "Description": "Every call fails.",
        "OccurredAt": "2026-11-23T08:40:00+08:00", "Location": "Civic Center", "Area": {"AreaCode": "0755"},
    }


def test_password_text_through_a_trusted_tls_proxy_is_answered(hub: tuple[str, InMemoryRouter]) -> None:
    base_url, router = hub
    answer = client(base_url, forwarded_https=True).service.CreateWorkOrder(**create_work_order("ptext-00000001"))
    assert (answer.Ack.MessageId, answer.Ack.Status) == ("ptext-00000001", "ACCEPTED")
    assert router.envelopes[-1].headers == {"ingress": "soap", "caller": "wcf-frontend"}


def test_password_text_over_plain_http_is_refused(hub: tuple[str, InMemoryRouter]) -> None:
    base_url, router = hub
    before = len(router.envelopes)
    with pytest.raises(Fault) as fault:
        client(base_url, forwarded_https=False).service.CreateWorkOrder(**create_work_order("ptext-00000002"))
    assert fault.value.code.endswith("UnsupportedSecurityToken")
    assert "only over HTTPS" in fault.value.message
    assert len(router.envelopes) == before
