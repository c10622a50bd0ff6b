"""A failed sign-in's log line says who and where: the username given (as written, its control characters escaped,
at most `SHOWN_USERNAME` characters) and the client's address (security audit: "authentication failed" named
neither, so an operator could not see where password guesses came from)."""

from __future__ import annotations

import asyncio
import base64
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config.settings import HubSettings
from hub.ingress.app import create_app
from hub.ingress.outcomes import SHOWN_USERNAME
from hub.routing.router import InMemoryRouter
from hub.validation import CommandSetRegistry
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.unit

ADDRESS = "192.0.2.7"


def post(settings: HubSettings, registry: CommandSetRegistry, path: str, content: bytes,
         headers: dict[str, str]) -> httpx.Response:
    app = create_app(settings, router=InMemoryRouter(), registry=registry)

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app.asgi, client=(ADDRESS, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            return await client.post(path, content=content, headers=headers)

    try:
        return asyncio.run(run())
    finally:
        for hook in app.on_shutdown:
            hook()


def failures(caplog: Any) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "authentication failed"]


def basic(username: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode(),
            "content-type": "application/xml"}


def test_a_wrong_basic_password_names_the_username_and_the_address(
        dev_settings: HubSettings, registry: CommandSetRegistry, examples_dir: Path, caplog: Any) -> None:
    caplog.set_level(logging.WARNING)
    body = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_bytes()
    assert post(dev_settings, registry, "/xml/boss", body, basic("cs-frontend", "guess")).status_code == 401
    (record,) = failures(caplog)
    assert (record.username, record.address) == ("cs-frontend", ADDRESS)  # type: ignore[attr-defined]


def test_a_hostile_username_is_escaped_and_capped(
        dev_settings: HubSettings, registry: CommandSetRegistry, examples_dir: Path, caplog: Any) -> None:
    caplog.set_level(logging.WARNING)
    body = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_bytes()
    post(dev_settings, registry, "/xml/boss", body, basic("ev\x1b[2Jil" + "x" * 500, "guess"))
    (record,) = failures(caplog)
    username: str = record.username  # type: ignore[attr-defined]
    assert username.startswith("ev\\x1b[2Jil") and "\x1b" not in username
    assert len(username) < SHOWN_USERNAME + 30 and username.endswith("... (508 characters)")


def test_an_unknown_bearer_token_names_the_address_and_no_username(
        dev_settings: HubSettings, registry: CommandSetRegistry, examples_dir: Path, caplog: Any) -> None:
    caplog.set_level(logging.WARNING)
    body = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_bytes()
    post(dev_settings, registry, "/xml/boss", body, {"authorization": "Bearer nope",
                                                     "content-type": "application/xml"})
    (record,) = failures(caplog)
    assert (record.username, record.address) == (None, ADDRESS)  # type: ignore[attr-defined]


def test_a_wrong_ws_security_password_names_the_username_and_the_address(
        dev_settings: HubSettings, registry: CommandSetRegistry, examples_dir: Path, caplog: Any) -> None:
    caplog.set_level(logging.WARNING)
    body = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_bytes()
    response = post(dev_settings, registry, "/soap/boss", envelope(body, security_header("cs-frontend", "guess")),
                    {"content-type": "text/xml; charset=utf-8", "soapaction": '"QueryCustomerTier"'})
    assert "FailedAuthentication" in response.text
    (record,) = failures(caplog)
    assert (record.username, record.address) == ("cs-frontend", ADDRESS)  # type: ignore[attr-defined]
