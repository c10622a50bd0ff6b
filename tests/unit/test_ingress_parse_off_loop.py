"""A large request body is parsed on a worker thread, on both ingresses (``hub.ingress.parsing``): a megabyte SOAP
envelope is parsed before any credential is checked, and on the event loop it would hold every other caller."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import hub.ingress.soap.endpoint as soap_endpoint
import hub.ingress.xml.endpoint as xml_endpoint
from hub.config.settings import HubSettings
from hub.ingress.app import create_app
from hub.ingress.parsing import OFFLOAD_BYTES
from hub.routing.router import InMemoryRouter
from hub.validation.command_sets import CommandSetRegistry

pytestmark = pytest.mark.unit

ENVELOPE = (b'<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
            b'envelope/"><soap:Body><QueryCustomerTier xmlns="urn:onepoint:boss:1"/></soap:Body></soap:Envelope>')
DOCUMENT = b'<?xml version="1.0" encoding="UTF-8"?>\n<wo:QueryWorkOrder xmlns:wo="urn:onepoint:workorder:1"/>'


def parsed_where(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[str]:
    """Where each call of ``module.name`` (the ingress's parser) ran: ``loop`` or ``thread``."""
    seen: list[str] = []
    parse: Callable[..., Any] = getattr(module, name)

    def recording(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            seen.append("loop")
        except RuntimeError:
            seen.append("thread")
        return parse(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)
    return seen


def post(settings: HubSettings, registry: CommandSetRegistry, path: str, body: bytes, **headers: str) -> int:
    app = create_app(settings, router=InMemoryRouter(), registry=registry)

    async def main() -> int:
        transport = httpx.ASGITransport(app=app.asgi, client=("127.0.0.1", 40000))
        async with app.asgi.router.lifespan_context(app.asgi), httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8000") as client:
            return (await client.post(path, content=body, headers=headers)).status_code

    return asyncio.run(main())


def test_a_large_soap_envelope_is_parsed_off_the_event_loop_a_small_one_in_place(
        dev_settings: HubSettings, registry: CommandSetRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = parsed_where(monkeypatch, soap_endpoint, "parse_document")
    headers = {"content-type": "text/xml", "soapaction": "QueryCustomerTier"}  # no WS-Security: refused after
    post(dev_settings, registry, "/soap/boss", ENVELOPE, **headers)
    post(dev_settings, registry, "/soap/boss", ENVELOPE + b" " * OFFLOAD_BYTES, **headers)
    assert seen == ["loop", "thread"]


def test_a_large_xml_document_is_parsed_off_the_event_loop_too(
        dev_settings: HubSettings, registry: CommandSetRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = parsed_where(monkeypatch, xml_endpoint, "read_document")
    headers = {"content-type": "application/xml", "authorization": "Bearer cs-dev-token"}
    post(dev_settings, registry, "/xml/workorder", DOCUMENT, **headers)
    post(dev_settings, registry, "/xml/workorder", DOCUMENT + b" " * OFFLOAD_BYTES, **headers)
    assert seen == ["loop", "thread"]
