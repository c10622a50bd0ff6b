"""The adapters against the real emulators over HTTP, each test on ``memory://`` and on a real RabbitMQ."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hub.config.adapters import AdapterSettings
from hub.envelope import Envelope
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.routing.codec import message_from_envelope
from hub.store import ProcessedStore, SQLiteProcessedStore
from hub.transport import Broker, Message, open_broker
from hub.transport.message import Delivery
from hub.transport.topology import routing_key
from tests.unit.workers.kit import short_config

WAIT = 20.0  # seconds before a missing answer fails a test (never asserted on)
ADAPTER_CONSUMERS = ("boss", "crm", "nsp", "dsmp", "oa", "mail", "workflow")


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.integration),
                        pytest.param("rabbitmq", marks=[pytest.mark.integration, pytest.mark.rabbitmq])])
def broker(request: pytest.FixtureRequest) -> Iterator[Broker]:
    """A fresh namespace per test with a queue per adapter, delay tiers of 100, 200 and 300 ms."""
    url = "memory://" if request.param == "memory" else request.getfixturevalue("rabbitmq_server").url
    config = replace(short_config(tier_ms=(100, 200, 300)), consumers=ADAPTER_CONSUMERS)
    with open_broker(url, config) as opened:
        yield opened


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProcessedStore]:
    opened = SQLiteProcessedStore(tmp_path / "processed.db")
    yield opened
    opened.close()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def breakers(metrics: Metrics) -> CircuitBreakers:
    return CircuitBreakers(metrics)


def gateway_settings(system: str, base_url: str, **overrides: Any) -> AdapterSettings:
    """How the hub calls the emulator at ``base_url`` (short timeouts; the circuit far away unless overridden)."""
    values: dict[str, Any] = {"url": f"{base_url}/", "username": "hub", "password": "hub-dev-password",
                              "connect_timeout": 2.0, "read_timeout": 5.0, "breaker_fail_max": 50,
                              "breaker_reset_seconds": 60.0}
    values.update(overrides)
    return AdapterSettings(system=system, **values)


def envelope(document: bytes, command_type: str, *, message_id: str | None = None,
             correlation_id: str | None = None) -> Envelope:
    return Envelope(message_id or f"it-{uuid.uuid4().hex[:16]}", command_type, "CS", document,
                    correlation_id=correlation_id)


def ask(broker: Broker, consumer: str, sent: Envelope, timeout: float = WAIT) -> bytes:
    """Send ``sent`` as a request to ``consumer``'s queue and wait for the answer's body."""
    message = message_from_envelope(sent, routing_key(consumer, sent.command_type), for_request=True)
    reply: Message = broker.request(broker.config.commands_exchange, message, timeout=timeout).result(timeout + 5)
    return reply.body


def publish(broker: Broker, consumer: str, sent: Envelope) -> None:
    message = message_from_envelope(sent, routing_key(consumer, sent.command_type))
    broker.publish(broker.config.commands_exchange, message).result(WAIT)


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def xml_gateway_settings(system: str, base_url: str, **overrides: Any) -> AdapterSettings:
    """How the hub calls the XML emulator at ``base_url`` (its commands go to ``/xml``)."""
    return gateway_settings(system, base_url, url=f"{base_url}/xml", **overrides)


def take_delivery(broker: Broker, queue: str, what: str, timeout: float = WAIT) -> Delivery:
    """The next delivery of ``queue`` (waiting for it), acked."""
    found: list[Delivery] = []

    def arrived() -> bool:
        delivery = broker.get(queue)
        if delivery is not None:
            found.append(delivery)
        return bool(found)

    wait_until(arrived, what, timeout)
    found[0].ack()
    return found[0]


def take(broker: Broker, queue: str, what: str, timeout: float = WAIT) -> Envelope:
    """The next message of ``queue`` (waiting for it), acked, as the envelope it carries."""
    from hub.routing.codec import envelope_from_message

    return envelope_from_message(take_delivery(broker, queue, what, timeout).message)


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.integration),
                        pytest.param("rabbitmq", marks=[pytest.mark.integration, pytest.mark.rabbitmq])])
def running_hub(request: pytest.FixtureRequest, registry: Any, tmp_path: Path) -> Iterator[Any]:
    """The hub's real ingress (built-in settings and routing, a fresh broker namespace) served on a free port;
    the adapters' Workers are started by the test, once it knows the emulators' URLs (which need the hub's)."""
    from hub.config.settings import load_settings
    from hub.ingress.app import create_app
    from hub.routing.factory import open_router
    from tests.integration.adapters.hub_kit import RunningHub
    from tests.support.servers import free_port, running_asgi, served_at

    url = "memory://" if request.param == "memory" else request.getfixturevalue("rabbitmq_server").url
    port = free_port()
    settings = served_at(replace(load_settings(), broker_url=url, topology_prefix=f"a{uuid.uuid4().hex[:8]}"), port)
    router = open_router(settings, registry)
    hub = create_app(settings, router=router, registry=registry)
    try:
        with running_asgi(hub.asgi, port=port) as base_url:
            yield RunningHub(base_url, settings, router, registry, tmp_path)
    finally:
        router.broker.close()
