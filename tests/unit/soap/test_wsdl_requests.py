"""GET /soap/<set>?wsdl however the query is spelt, and a public URL whose path is percent-encoded advertised as
configured (in process: httpx's ASGI transport)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest
from lxml import etree

from hub.ingress.app import create_app
from hub.routing.router import InMemoryRouter

pytestmark = pytest.mark.unit


def soap_address(response: httpx.Response) -> str:
    """The ``soap:address`` of a WSDL (one service, one port)."""
    locations = etree.fromstring(response.content).xpath(
        "//*[local-name()='service']/*/*[local-name()='address']/@location")
    assert len(locations) == 1, locations
    return str(locations[0])


def get(settings, registry, *paths: str) -> list[httpx.Response]:
    app = create_app(settings, router=InMemoryRouter(), registry=registry)

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app.asgi)
        async with app.asgi.router.lifespan_context(app.asgi), httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8000") as client:
            return [await client.get(path) for path in paths]

    return asyncio.run(main())


@pytest.mark.parametrize("query", ["wsdl", "WSDL", "Wsdl", "wsdl="])
def test_the_wsdl_is_served_whatever_the_case_of_its_query(dev_settings, registry, query):
    (answer,) = get(dev_settings, registry, f"/soap/boss?{query}")
    assert answer.status_code == 200 and soap_address(answer) == "http://127.0.0.1:8000/soap/boss"


def test_a_get_without_the_wsdl_query_is_still_refused(dev_settings, registry):
    answers = get(dev_settings, registry, "/soap/boss", "/soap/boss?xsd")
    assert [(a.status_code, a.headers["x-onepoint-refusal"]) for a in answers] == [(500, "method-not-allowed")] * 2


@pytest.mark.parametrize("public_url", ["https://hub.example.com/esb%20gw", "https://hub.example.com/a%2Fb/~x"])
def test_a_percent_encoded_public_path_is_advertised_as_configured(dev_settings, registry, public_url):
    (answer,) = get(replace(dev_settings, public_url=public_url), registry, "/soap/boss?wsdl")
    assert soap_address(answer) == f"{public_url}/soap/boss"
