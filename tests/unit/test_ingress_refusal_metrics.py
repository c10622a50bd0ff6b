"""``onepoint_messages_refused_total`` counts only what the ingress refused before anything was handed on; a request
it accepted and handed on that is answered with an error (the system's own refusal, ``system-unavailable`` while
the request is kept, no answer in time) counts in ``onepoint_error_answers_total{code}`` instead (audit of on-call
views, repro_1: such answers were counted both accepted and refused)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.envelope import Envelope
from hub.ingress.app import HubApp, create_app
from hub.ingress.outcomes import ERROR_ANSWERS
from hub.routing.router import InMemoryRouter, RouteResult
from hub.transport.errors import RequestTimeoutError
from hub.validation import CommandSetRegistry
from hub.workers.reply import error_document
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml", "authorization": "Bearer cs-dev-token"}


class AnsweringRouter(InMemoryRouter):
    """Answers every request with ``reply``, or raises ``failure`` once it has taken it."""

    def __init__(self, reply: bytes | None = None, failure: Exception | None = None) -> None:
        super().__init__()
        self.reply, self.failure = reply, failure

    async def route(self, envelope: Envelope) -> RouteResult:
        result = await super().route(envelope)
        if self.failure is not None:
            raise self.failure
        return RouteResult(result.message_id, result.targets, reply=self.reply)


def post(app: HubApp, path: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            return await client.post(path, content=content, headers=headers)

    return asyncio.run(run())


def query(examples_dir: Path) -> bytes:
    document = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_text("utf-8")
    return document.replace(">HUB<", ">CS<").replace("hub-7f3a9c2e41d84b5a", f"cs-{uuid.uuid4().hex[:16]}").encode()


def counts(app: HubApp) -> tuple[float, float]:
    """(accepted, refused) of QueryCustomerTier so far."""
    registry = app.metrics.registry
    refused = sum(sample.value for metric in registry.collect() if metric.name == "onepoint_messages_refused"
                  for sample in metric.samples if sample.name.endswith("_total"))
    return app.metrics.value("onepoint_messages_accepted_total", command_type="boss.QueryCustomerTier"), refused


@pytest.mark.parametrize(("reply", "status", "code"), [
    (error_document("subscriber-not-found", "no subscriber 13800138000"), 422, "rejected"),
    (error_document("system-unavailable", "boss is down; retry in 30 s"), 503, "system-unavailable"),
])
def test_an_accepted_request_answered_with_an_error_is_no_refusal(
    dev_settings: Any, registry: CommandSetRegistry, examples_dir: Path, reply: bytes, status: int, code: str,
) -> None:
    app = create_app(dev_settings, router=AnsweringRouter(reply), registry=registry)
    response = post(app, "/xml/boss", query(examples_dir), XML)
    assert response.status_code == status, response.text
    assert counts(app) == (1, 0)
    assert app.metrics.value("onepoint_error_answers_total", code=code) == 1


def test_a_soap_request_answered_with_the_systems_refusal_is_no_refusal(
    dev_settings: Any, registry: CommandSetRegistry, examples_dir: Path,
) -> None:
    reply = error_document("subscriber-not-found", "no subscriber 13800138000")
    app = create_app(dev_settings, router=AnsweringRouter(reply), registry=registry)
    request = envelope(query(examples_dir), security_header("cs-frontend", "cs-dev-password"))
    response = post(app, "/soap/boss", request, {"content-type": "text/xml", "soapaction": '"QueryCustomerTier"'})
    assert response.status_code == 500 and b"subscriber-not-found" in response.content, response.text
    assert counts(app) == (1, 0)
    assert app.metrics.value("onepoint_error_answers_total", code="rejected") == 1


def test_a_request_handed_on_and_not_answered_in_time_is_no_refusal(
    dev_settings: Any, registry: CommandSetRegistry, examples_dir: Path,
) -> None:
    app = create_app(dev_settings, router=AnsweringRouter(failure=RequestTimeoutError("10 s")), registry=registry)
    assert post(app, "/xml/boss", query(examples_dir), XML).status_code == 504
    assert counts(app)[1] == 0
    assert app.metrics.value("onepoint_error_answers_total", code="timeout") == 1


def test_what_the_ingress_refuses_before_handing_on_is_still_refused(
    dev_settings: Any, registry: CommandSetRegistry, examples_dir: Path,
) -> None:
    app = create_app(dev_settings, router=AnsweringRouter(b"<never/>"), registry=registry)
    invalid = query(examples_dir).replace(b"13800138000", b"not-a-number")
    assert post(app, "/xml/boss", invalid, XML).status_code == 400
    assert post(app, "/xml/boss", query(examples_dir), {"content-type": "application/xml"}).status_code == 401
    assert app.metrics.value("onepoint_messages_refused_total", reason="invalid") == 1
    assert app.metrics.value("onepoint_messages_refused_total", reason="unauthenticated") == 1
    assert counts(app) == (0, 2)
    assert {sample.value for metric in app.metrics.registry.collect() if metric.name == "onepoint_error_answers"
            for sample in metric.samples if sample.name.endswith("_total")} == {0}


def test_every_error_answer_code_is_on_metrics_at_zero_from_the_start(dev_settings: Any,
                                                                     registry: CommandSetRegistry) -> None:
    """An alert on a code's rate, or on its absence, has a series to read before the first such answer."""
    app = create_app(dev_settings, router=AnsweringRouter(b"<never/>"), registry=registry)
    shown = {sample.labels["code"]: sample.value for metric in app.metrics.registry.collect()
             if metric.name == "onepoint_error_answers" for sample in metric.samples if sample.name.endswith("_total")}
    assert shown == dict.fromkeys(ERROR_ANSWERS, 0.0)
