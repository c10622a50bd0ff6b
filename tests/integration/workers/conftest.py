"""A real RabbitMQ (the session's private broker, see tests/conftest.py) with a fresh namespace per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.store import ProcessedStore, SQLiteProcessedStore
from hub.transport import Broker, TopologyConfig, open_broker
from tests.support.rabbitmq_server import RabbitMQServer
from tests.unit.workers.kit import short_config


@pytest.fixture
def config() -> TopologyConfig:
    return short_config(tier_ms=(100, 200, 300))


@pytest.fixture
def amqp_url(rabbitmq_server: RabbitMQServer) -> str:
    return rabbitmq_server.url


@pytest.fixture
def broker(amqp_url: str, config: TopologyConfig) -> Iterator[Broker]:
    with open_broker(amqp_url, config) as b:
        yield b


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProcessedStore]:
    s = SQLiteProcessedStore(tmp_path / "processed.db")
    yield s
    s.close()
