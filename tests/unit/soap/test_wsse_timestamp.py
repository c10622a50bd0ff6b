"""A ``wsu:Timestamp`` beside the UsernameToken (WSS 1.1 §10): an expired one is refused with wsse:MessageExpired,
allowing the replay window as clock skew; at the verifier and through the SOAP ingress."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from lxml import etree

from hub.config.settings import CallerConfig
from hub.ingress.app import create_app
from hub.routing.router import InMemoryRouter
from hub.security import CallerDirectory
from hub.soap.namespaces import WSU_NS
from hub.soap.wsse import SecurityTokenRefused, UsernameTokenVerifier
from tests.support.soap import SOAP_NS, envelope, security_header

pytestmark = pytest.mark.unit

CS = CallerConfig(system="CS", username="cs", ws_password="ws-s3cret", commands=("workorder.*",))
EPOCH_EXPIRED = datetime(2020, 1, 1, 0, 5, tzinfo=UTC)


def now() -> datetime:
    """Read at each use, not at collection: a suite run longer than the window must not age the timestamps."""
    return datetime.now(UTC)


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def with_timestamp(header: str, expires: datetime | None, created: datetime | None = None) -> str:
    parts = f"<wsu:Created>{stamp(created or now() - timedelta(minutes=1))}</wsu:Created>"
    if expires is not None:
        parts += f"<wsu:Expires>{stamp(expires)}</wsu:Expires>"
    return header.replace("<wsse:UsernameToken>", f'<wsu:Timestamp xmlns:wsu="{WSU_NS}" wsu:Id="TS-1">{parts}'
                                                   "</wsu:Timestamp><wsse:UsernameToken>", 1)


def verify(header: str) -> CallerConfig:
    verifier = UsernameTokenVerifier(CallerDirectory((CS,)), window_seconds=300, nonce_cache_size=100)
    return verifier.verify(etree.fromstring(f'<soap:Header xmlns:soap="{SOAP_NS}">{header}</soap:Header>'))


@pytest.mark.parametrize("expires", [EPOCH_EXPIRED, timedelta(seconds=-301)])
def test_an_expired_timestamp_is_refused_as_message_expired(expires):
    at = expires if isinstance(expires, datetime) else now() + expires
    with pytest.raises(SecurityTokenRefused) as failed:
        verify(with_timestamp(security_header("cs", "ws-s3cret"), at))
    assert failed.value.code == "MessageExpired" and "wsu:Timestamp" in failed.value.reason


@pytest.mark.parametrize("expires", [timedelta(minutes=5), timedelta(seconds=-200), None])
def test_a_live_timestamp_within_the_clock_skew_or_one_without_expires_is_accepted(expires):
    at = None if expires is None else now() + expires
    assert verify(with_timestamp(security_header("cs", "ws-s3cret"), at)) is CS


def test_a_malformed_expires_is_invalid_security():
    at = now()
    header = with_timestamp(security_header("cs", "ws-s3cret"), at).replace(stamp(at) + "</wsu:Expires>",
                                                                           "tomorrow</wsu:Expires>")
    with pytest.raises(SecurityTokenRefused) as failed:
        verify(header)
    assert failed.value.code == "InvalidSecurity"


def test_the_soap_ingress_refuses_an_expired_message_and_routes_nothing(dev_settings, registry, examples_dir: Path):
    router = InMemoryRouter()
    app = create_app(dev_settings, router=router, registry=registry)
    document = (examples_dir / "oa/CompleteTodo.valid.xml").read_bytes()
    header = with_timestamp(security_header("oa", "oa-dev-password"), EPOCH_EXPIRED)

    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=app.asgi)
        async with app.asgi.router.lifespan_context(app.asgi), httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8000") as client:
            return await client.post("/soap/oa", content=envelope(document, header),
                                     headers={"content-type": "text/xml", "soapaction": "CompleteTodo"})

    answer = asyncio.run(main())
    assert answer.status_code == 500 and not router.envelopes
    assert re.search(rb"<faultcode>wsse:MessageExpired</faultcode>", answer.content), answer.text
