"""The resilience test runs the whole system on ``memory://`` and on a real RabbitMQ."""

from __future__ import annotations

import pytest


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.integration),
                        pytest.param("rabbitmq", marks=[pytest.mark.integration, pytest.mark.rabbitmq])])
def broker_url(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else str(request.getfixturevalue("rabbitmq_server").url)
