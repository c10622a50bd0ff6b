"""What the router, /readyz and a refused caller are told when the broker blocks publishing (a memory or disk
alarm), refuses a full queue, or took a command without confirming it (audit 2, repro 01 and 04)."""

from __future__ import annotations

import asyncio

import pytest

from hub.config.settings import load_settings
from hub.envelope import Envelope
from hub.ingress.app import create_app
from hub.ingress.outcomes import refusal_for
from hub.routing.broker_router import BrokerRouter, BrokerUnavailableError
from hub.transport.errors import PublisherUnavailableError, PublishOutcomeUnknownError, QueueFullError
from tests.support.in_process import asgi_get

pytestmark = pytest.mark.unit

BLOCKED = "publishing blocked by the broker: low on memory (a memory or disk alarm)"


def blocked(router: BrokerRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(router.broker, "ready", lambda: False)
    monkeypatch.setattr(router.broker, "unready_reason", lambda: BLOCKED)


def test_while_the_broker_blocks_publishing_a_command_is_refused_at_once_naming_why(monkeypatch):
    app = create_app(load_settings())
    router = app.router
    assert isinstance(router, BrokerRouter)
    try:
        blocked(router, monkeypatch)
        envelope = Envelope("m-000000000001", "workorder.CreateWorkOrder", "CS", b"<x/>", headers={"ingress": "xml"})
        with pytest.raises(BrokerUnavailableError) as refused:
            asyncio.run(router.route(envelope))
        assert str(refused.value) == f"{BLOCKED}; nothing was accepted"
        refusal = refusal_for(refused.value, system="workorder")
        assert refusal.status == 503 and refusal.retry_after

        answer = asgi_get(app, "/readyz")
        assert answer.status_code == 503
        body = answer.json()
        assert body["checks"]["broker"] is False
        assert body["failing"]["broker"] == f"{BLOCKED}: nothing can be accepted"
    finally:
        router.broker.close()


def test_a_command_sent_but_never_confirmed_is_an_unknown_outcome_not_nothing_accepted():
    refusal = refusal_for(PublishOutcomeUnknownError("message m1 was sent, then the broker blocked publishing"),
                          system="nsp")
    assert refusal.status == 504
    assert "nothing was accepted" not in refusal.message and "may still be carried out" in refusal.message


def test_a_full_queue_is_named_in_the_refusal():
    refusal = refusal_for(QueueFullError(("onepoint.workflow",), "m1"), system="nsp")
    assert refusal.status == 503 and refusal.retry_after
    assert "queue onepoint.workflow is full" in refusal.message


def test_a_command_refused_while_the_broker_is_unready_is_told_why():
    """Audit 5 (repro 2): the 503 said "could not be handed on" without the alarm behind it."""
    for refused in (BrokerUnavailableError(f"{BLOCKED}; nothing was accepted"),
                    PublisherUnavailableError(f"{BLOCKED}; nothing was sent")):
        refusal = refusal_for(refused, system="nsp")
        assert refusal.status == 503 and refusal.retry_after
        assert BLOCKED in refusal.message and "retry later" in refusal.message
