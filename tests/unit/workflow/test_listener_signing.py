"""Signed event deliveries through the handlers and the publisher (respx, no network): RegisterListener answers the
listener's secret once, every POST carries ``X-OnePoint-Timestamp`` (the moment of that attempt: a retry is signed
anew) and ``X-OnePoint-Signature`` over the body as sent; registering again gives a new secret that signs the next
deliveries; the secret is in no log line, no event, no QueryListeners answer, no ``onepoint listeners list``."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner
from lxml import etree

from hub.cli.main import main
from hub.envelope import Envelope
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.event_signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import answer, command, text
from tests.unit.workflow.listener_kit import create, query

pytestmark = pytest.mark.unit

CRM = "http://crm.test/tmf621/events"


def registered(client: WorkerTestClient, url: str = CRM) -> tuple[str, str]:
    """RegisterListener through the worker pipeline: the listener id and the secret its answer carries."""
    document, message_id = command("RegisterListener.valid-no-filter.xml", Callback=url)
    root = answer(client.request(Envelope(message_id, "workorder.RegisterListener", "CS", etree.tostring(document))))
    listener_id, secret = text(root, "wo:ListenerId"), text(root, "wo:SigningSecret")
    assert listener_id is not None and secret is not None, etree.tostring(root)
    return listener_id, secret


def signed_by(secret: str, request: httpx.Request) -> bool:
    timestamp = request.headers[TIMESTAMP_HEADER]
    return request.headers[SIGNATURE_HEADER] == signature(secret, int(timestamp), request.content)


def test_every_delivery_is_signed_with_the_secret_registration_answered(
        client: WorkerTestClient, publisher: EventPublisher, mock: respx.MockRouter) -> None:
    route = mock.post(CRM).mock(return_value=httpx.Response(204))
    _, secret = registered(client)
    create(client)
    before = int(time.time())
    publisher.run_round()
    assert route.call_count == 1
    request = route.calls[0].request
    assert signed_by(secret, request)
    assert before <= int(request.headers[TIMESTAMP_HEADER]) <= int(time.time())  # the real time it was sent
    assert secret.encode() not in request.content


def test_a_retry_is_signed_anew_at_its_own_time(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher, mock: respx.MockRouter,
        monkeypatch: pytest.MonkeyPatch) -> None:
    route = mock.post(CRM).mock(side_effect=[httpx.Response(500), httpx.Response(204)])
    _, secret = registered(client)
    create(client)
    monkeypatch.setattr(time, "time", lambda: 1796000000.0)
    publisher.run_round()
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(seconds=5))
    monkeypatch.setattr(time, "time", lambda: 1796000005.0)
    publisher.run_round()
    first, second = (call.request for call in route.calls)
    assert (first.headers[TIMESTAMP_HEADER], second.headers[TIMESTAMP_HEADER]) == ("1796000000", "1796000005")
    assert first.content == second.content and signed_by(secret, first) and signed_by(secret, second)


def test_registering_again_answers_a_new_secret_which_signs_the_next_deliveries(
        client: WorkerTestClient, publisher: EventPublisher, mock: respx.MockRouter) -> None:
    route = mock.post(CRM).mock(return_value=httpx.Response(204))
    listener_id, first = registered(client)
    again, second = registered(client)
    assert again == listener_id and second != first
    create(client)
    publisher.run_round()
    request = route.calls[0].request
    assert signed_by(second, request) and not signed_by(first, request)


def test_the_secret_is_never_logged_queried_nor_listed(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher, mock: respx.MockRouter,
        caplog: pytest.LogCaptureFixture, config: Path) -> None:
    mock.post(CRM).mock(side_effect=[httpx.Response(500), httpx.Response(204)])
    with caplog.at_level(logging.DEBUG):
        listener_id, secret = registered(client)
        create(client)
        publisher.run_round()
        assert isinstance(runtime.clock, ManualClock)
        runtime.clock.advance(timedelta(seconds=5))
        publisher.run_round()
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "event listener registered" in logged and secret not in logged
    assert secret not in etree.tostring(query(client)).decode()
    assert secret not in etree.tostring(query(client, listener_id)).decode()
    stored = runtime.store.listener(listener_id)
    assert stored is not None and stored.signing_secret == secret and secret not in repr(stored)
    assert all(secret not in event.payload for event in runtime.store.events_after(0, 100))
    for args in (["listeners", "list", "--config", str(config)],
                 ["listeners", "list", "--json", "--config", str(config)]):
        listed = CliRunner().invoke(main, args)
        assert listed.exit_code == 0, listed.output
        assert listener_id in listed.output and secret not in listed.output


def test_a_listener_stored_without_a_system_is_taken_by_the_system_that_registers_it_again(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """A listener from before migration 0004 holds no system; 0025 gave it a secret nobody was told. Registering
    it again (the documented way to learn the secret) answers that listener, now the system's, with a new secret:
    before, a second listener was made for the same call-back, the first one signing with the untold secret."""
    legacy = runtime.store.add_listener(CRM, None, runtime.clock.now())
    listener_id, secret = registered(client)
    assert listener_id == legacy.id
    assert [item.id for item in runtime.store.listeners() if item.callback_url == CRM] == [legacy.id]
    kept = runtime.store.listener(legacy.id)
    assert kept is not None and kept.signing_secret == secret and kept.source_system == "CS"
