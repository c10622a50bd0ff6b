"""The private RabbitMQ broker for these tests (shared with tests/contract within one session)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.rabbitmq_broker import RabbitMQBroker, rabbitmq_fixture


@pytest.fixture(scope="session")
def rabbitmq_server() -> Iterator[RabbitMQBroker]:
    yield from rabbitmq_fixture()
