"""The SOAP ingress in process with ``[security] password_text_over_tls`` on: a PasswordText token is taken over
HTTPS (the request's scheme), refused over HTTP, and a wrong one counts as a failed sign-in as a wrong digest does."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config.settings import HubSettings
from hub.ingress.app import create_app
from hub.routing.router import InMemoryRouter
from hub.soap.namespaces import TEXT_TYPE, WSSE_NS
from hub.validation.command_sets import CommandSetRegistry
from tests.support.soap import envelope

pytestmark = pytest.mark.unit

FAULTCODE = re.compile(r"<faultcode>([^<]*)</faultcode>")
OA = {"content-type": "text/xml", "soapaction": "CompleteTodo"}


def complete_todo(examples_dir: Path, password: str) -> bytes:
    document = (examples_dir / "oa/CompleteTodo.valid.xml").read_bytes()
    document = re.sub(rb"<c:MessageId>[^<]*</c:MessageId>",
                      f"<c:MessageId>t-{uuid.uuid4().hex[:16]}</c:MessageId>".encode(), document, count=1)
    token = (f'<wsse:Security xmlns:wsse="{WSSE_NS}"><wsse:UsernameToken><wsse:Username>oa</wsse:Username>'
             f'<wsse:Password Type="{TEXT_TYPE}">{password}</wsse:Password></wsse:UsernameToken></wsse:Security>')
    return envelope(document, token)


def answers(settings: HubSettings, registry: CommandSetRegistry, scheme: str,
            steps: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
    """``steps(client)`` against a hub of ``settings`` in process, the requests made over ``scheme``."""
    app = create_app(settings, router=InMemoryRouter(), registry=registry)

    async def main() -> Any:
        transport = httpx.ASGITransport(app=app.asgi, client=("10.2.2.2", 40000))
        async with app.asgi.router.lifespan_context(app.asgi), httpx.AsyncClient(
                transport=transport, base_url=f"{scheme}://127.0.0.1:8000") as client:
            return await steps(client)

    return asyncio.run(main())


def password_text_on(settings: HubSettings) -> HubSettings:
    return replace(settings, security=replace(settings.security, password_text_over_tls=True,
                                              sign_in_refusal_delay_seconds=0))


def faultcode(response: httpx.Response) -> str:
    found = FAULTCODE.search(response.text)
    assert found, response.text
    return found.group(1)


@pytest.mark.parametrize(("scheme", "status", "code"), [("https", 200, None),
                                                        ("http", 500, "wsse:UnsupportedSecurityToken")])
def test_password_text_is_answered_over_https_only(dev_settings: HubSettings, registry: CommandSetRegistry,
                                                   examples_dir: Path, scheme: str, status: int,
                                                   code: str | None) -> None:
    async def steps(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/soap/oa", content=complete_todo(examples_dir, "oa-dev-password"), headers=OA)

    response = answers(password_text_on(dev_settings), registry, scheme, steps)
    assert response.status_code == status, response.text
    if code is not None:
        assert faultcode(response) == code and "only over HTTPS" in response.text


def test_with_the_setting_off_it_is_refused_over_https_too(dev_settings: HubSettings, registry: CommandSetRegistry,
                                                            examples_dir: Path) -> None:
    async def steps(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/soap/oa", content=complete_todo(examples_dir, "oa-dev-password"), headers=OA)

    response = answers(dev_settings, registry, "https", steps)
    assert faultcode(response) == "wsse:UnsupportedSecurityToken" and "PasswordDigest" in response.text


def test_wrong_password_texts_count_as_failed_sign_ins(dev_settings: HubSettings, registry: CommandSetRegistry,
                                                       examples_dir: Path) -> None:
    async def steps(client: httpx.AsyncClient) -> tuple[list[str], httpx.Response]:
        guesses = [faultcode(await client.post("/soap/oa", content=complete_todo(examples_dir, f"guess{i}"),
                                               headers=OA)) for i in range(5)]
        right = await client.post("/soap/oa", content=complete_todo(examples_dir, "oa-dev-password"), headers=OA)
        return guesses, right

    guesses, right = answers(password_text_on(dev_settings), registry, "https", steps)
    assert guesses == ["wsse:FailedAuthentication"] * 5
    assert faultcode(right) == "soap:Client.Throttled"  # 5 failures of the caller: the right password learns nothing
