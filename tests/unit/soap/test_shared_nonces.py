"""A UsernameToken captured from one hub process and replayed to another (or to the same hub restarted) with
another command is refused when the hubs share a nonce store (``[security] nonce_store``); two apps stand for
two processes (in process: httpx's ASGI transport, a SQLite file as the shared database)."""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from hub.config.settings import HubSettings
from hub.ingress.app import HubApp, create_app
from hub.routing.router import InMemoryRouter
from hub.security.nonces import NONCES
from hub.validation.command_sets import CommandSetRegistry
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.unit
HEADERS = {"content-type": "text/xml", "soapaction": "QueryCustomerTier"}


def tier_query(message_id: str, msisdn: str) -> bytes:
    return (f'<boss:QueryCustomerTier xmlns:boss="urn:onepoint:boss:1" xmlns:c="urn:onepoint:common:1">'
            f"<boss:Header><c:MessageId>{message_id}</c:MessageId><c:SourceSystem>CS</c:SourceSystem>"
            "<c:SentAt>2026-11-23T09:15:00+08:00</c:SentAt></boss:Header>"
            f"<boss:Msisdn>{msisdn}</boss:Msisdn></boss:QueryCustomerTier>").encode()


def post(app: HubApp, body: bytes) -> httpx.Response:
    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=app.asgi)
        async with app.asgi.router.lifespan_context(app.asgi), httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8000") as client:
            return await client.post("/soap/boss", content=body, headers=HEADERS)

    return asyncio.run(main())


def shared(settings: HubSettings, tmp_path: Path) -> HubSettings:
    store = f"sqlite:///{tmp_path / 'nonces.db'}"
    return replace(settings, security=replace(settings.security, nonce_store=store))


def hub(settings: HubSettings, registry: CommandSetRegistry) -> tuple[HubApp, InMemoryRouter]:
    router = InMemoryRouter()
    return create_app(settings, router=router, registry=registry), router


def test_a_token_replayed_to_another_hub_process_is_refused(dev_settings, registry, tmp_path):
    settings = shared(dev_settings, tmp_path)
    (hub_a, _), (hub_b, routed_b) = hub(settings, registry), hub(settings, registry)
    token = security_header("cs-frontend", "cs-dev-password")
    assert post(hub_a, envelope(tier_query("cs-original-0001", "13800138000"), token)).status_code == 200
    replay = post(hub_b, envelope(tier_query("attacker-0000002", "13911112222"), token))
    assert replay.status_code == 500 and not routed_b.envelopes
    assert re.search(rb"<faultcode>wsse:FailedAuthentication</faultcode>", replay.content)
    assert b"replay" in replay.content


def test_a_token_replayed_after_a_restart_is_refused(dev_settings, registry, tmp_path):
    settings = shared(dev_settings, tmp_path)
    token = security_header("cs-frontend", "cs-dev-password")
    before, _ = hub(settings, registry)
    assert post(before, envelope(tier_query("cs-original-0001", "13800138000"), token)).status_code == 200
    restarted, routed = hub(settings, registry)  # the first app shut down with its lifespan
    assert post(restarted, envelope(tier_query("attacker-0000003", "13911112222"), token)).status_code == 500
    assert not routed.envelopes


def test_with_the_memory_store_each_process_knows_only_its_own_tokens(dev_settings, registry):
    """The default: one hub process (README: several need a shared store)."""
    hub_a, _ = hub(dev_settings, registry)
    token = security_header("cs-frontend", "cs-dev-password")
    assert post(hub_a, envelope(tier_query("cs-original-0001", "13800138000"), token)).status_code == 200
    assert post(hub_a, envelope(tier_query("attacker-0000001", "13911112222"), token)).status_code == 500


def test_the_shared_store_takes_the_same_nonces_as_the_memory_cache(dev_settings, registry, tmp_path):
    """A Nonce over 64 bytes is refused before any store (auth audit repro_04); one of 64 is remembered in the
    shared store as its 32-byte digest, and its replay refused there."""
    settings = shared(dev_settings, tmp_path)
    (hub_a, routed_a), (hub_b, _) = hub(settings, registry), hub(settings, registry)
    big = security_header("cs-frontend", "cs-dev-password", nonce=os.urandom(65))
    refused = post(hub_a, envelope(tier_query("cs-big-nonce-001", "13800138000"), big))
    assert refused.status_code == 500 and not routed_a.envelopes
    assert re.search(rb"<faultcode>wsse:InvalidSecurityToken</faultcode>", refused.content)
    assert b"longer than 64 bytes" in refused.content
    token = security_header("cs-frontend", "cs-dev-password", nonce=os.urandom(64))
    assert post(hub_a, envelope(tier_query("cs-max-nonce-001", "13800138000"), token)).status_code == 200
    assert b"replay" in post(hub_b, envelope(tier_query("cs-max-nonce-002", "13800138000"), token)).content
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'nonces.db'}")
    with engine.connect() as connection:
        assert [len(row.nonce) for row in connection.execute(sa.select(NONCES.c.nonce))] == [32]
    engine.dispose()
