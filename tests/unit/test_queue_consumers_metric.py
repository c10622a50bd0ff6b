"""``onepoint_queue_consumers{queue}`` and the consumer queues nobody consumes on ``/readyz`` (audit "RabbitMQ
operator", repro 8), and a worker's ``/readyz`` while the broker's cancel left its queue unconsumed (repro 7)."""

from __future__ import annotations

import uuid

import pytest

from hub.ingress.app import queue_consumers
from hub.observability.metrics import Metrics
from hub.system.worker_probes import WorkerProbes
from hub.transport import TopologyConfig, open_broker

pytestmark = pytest.mark.unit

GAUGE = "onepoint_queue_consumers"


def test_the_consumers_of_every_consumer_queue_are_exposed() -> None:
    metrics = Metrics()
    config = TopologyConfig(prefix=f"c{uuid.uuid4().hex[:8]}", consumers=("boss", "workflow"))
    with open_broker("memory://", config) as broker:
        metrics.track_consumers(queue_consumers(broker), max_age=0)
        assert metrics.value(GAUGE, queue=config.queue("boss")) == 0
        consumer = broker.consume(config.queue("boss"), lambda d: d.ack())
        assert metrics.value(GAUGE, queue=config.queue("boss")) == 1
        assert metrics.consumer_counts() == {config.queue("boss"): 1, config.queue("workflow"): 0}
        assert f'{GAUGE}{{queue="{config.queue("workflow")}"}} 0.0' in metrics.render()[0].decode()
        assert f"{config.queue('boss')}.dlq" not in metrics.consumer_counts()  # consumer queues only
        consumer.close()
        assert metrics.value(GAUGE, queue=config.queue("boss")) == 0


def test_a_worker_whose_consumer_the_broker_cancelled_is_unready_naming_the_queue() -> None:
    interrupted: dict[str, str] = {}
    probes = WorkerProbes("nsp", lambda: True, interrupted=lambda: interrupted)
    assert probes.readiness()[0] is True
    interrupted["onepoint.nsp"] = "the broker cancelled the consumer of queue onepoint.nsp"
    ready, body = probes.readiness()
    assert ready is False and body["status"] == "unready" and body["checks"]["consuming"] is False
    assert "onepoint.nsp" in body["failing"]["consuming"]


def test_readyz_names_the_consumer_queues_nobody_consumes() -> None:
    from hub.config import load_settings
    from hub.ingress.app import create_app
    from tests.support.in_process import asgi_get

    app = create_app(load_settings())
    up = asgi_get(app, "/readyz")
    assert up.status_code == 200
    assert "onepoint.boss" in up.json()["unconsumed"]
