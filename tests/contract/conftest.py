"""Fixtures of the broker contract suite: every test runs against ``memory://`` and a real RabbitMQ."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.transport import Broker, DelayTier, Delivery, TopologyConfig, open_broker
from tests.support.rabbitmq_server import RabbitMQServer
from tests.support.workorder_store import open_workorder_store, store_url, workorder_store  # noqa: F401 (fixtures)

WAIT = 20.0  # seconds before a missing delivery fails a test (never asserted on)


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.unit),
        pytest.param("rabbitmq", marks=[pytest.mark.rabbitmq, pytest.mark.integration]),
    ]
)
def broker_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    server: RabbitMQServer = request.getfixturevalue("rabbitmq_server")
    return server.url


@pytest.fixture
def config() -> TopologyConfig:
    """A fresh namespace per test (so tests never see each other's messages), short delay tiers."""
    return TopologyConfig(
        prefix=f"t{uuid.uuid4().hex[:10]}",
        consumers=("boss", "crm", "nsp"),
        broadcast_consumers=None,  # the fanout tests reach every queue
        delay_tiers=(DelayTier("short", 200), DelayTier("long", 400)),
        delivery_limit=3,
    )


@pytest.fixture
def make_broker(broker_url: str, config: TopologyConfig) -> Iterator[Callable[..., Broker]]:
    opened: list[Broker] = []

    def make(topology: TopologyConfig | None = None, **options: Any) -> Broker:
        broker = open_broker(broker_url, topology or config, **options)
        opened.append(broker)
        return broker

    yield make
    for broker in opened:
        broker.close()


@pytest.fixture
def broker(make_broker: Callable[..., Broker]) -> Broker:
    return make_broker()


class Inbox:
    """A handler that hands deliveries to the test thread; ``settle`` decides what the handler does."""

    def __init__(self, settle: Callable[[Delivery], None] | None = None) -> None:
        self.deliveries: queue.Queue[Delivery] = queue.Queue()
        self._settle = settle or (lambda d: d.ack())

    def __call__(self, delivery: Delivery) -> None:
        self._settle(delivery)
        self.deliveries.put(delivery)

    def get(self) -> Delivery:
        try:
            return self.deliveries.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail("expected a delivery, none came")



@pytest.fixture
def inbox() -> Callable[..., Inbox]:
    return Inbox
