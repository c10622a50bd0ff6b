"""``RabbitMQBroker`` on a real RabbitMQ when the operator changes a consumer queue under a running hub (audit
"RabbitMQ operator", repro 7, 1 and 8): the queue deleted and re-created (the broker cancels its consumers), an
operator policy's ``max-length`` bounding it, and how many consumers each queue has."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pika
import pytest

from hub.transport import Message, TopologyConfig, open_broker
from hub.transport.message import Delivery
from tests.support.rabbitmq_server import RabbitMQServer
from tests.support.topology_cleanup import delete_topology

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

WAIT = 30.0  # seconds before a wait gives up (a failure, never an assertion on speed)


@pytest.fixture
def config(rabbitmq_server: RabbitMQServer) -> Iterator[TopologyConfig]:
    config = TopologyConfig(prefix=f"oq{uuid.uuid4().hex[:8]}", consumers=("boss", "workflow"))
    yield config
    if rabbitmq_server.running:
        delete_topology(rabbitmq_server.url, config)


def until(condition: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def delete_queue(url: str, queue: str) -> None:
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        conn.channel().queue_delete(queue)
    finally:
        conn.close()


def test_a_consumer_the_broker_cancels_turns_unready_and_consumes_the_recreated_queue(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="onepoint.transport")
    broker = open_broker(rabbitmq_server.url, config, publish_timeout=10.0)
    exchange, queue, key = config.commands_exchange, config.queue("boss"), "boss.workorder.CreateWorkOrder"
    seen: list[str] = []
    got = threading.Event()

    def handle(delivery: Delivery) -> None:
        seen.append(delivery.message.message_id)
        delivery.ack()
        got.set()

    try:
        broker.consume(queue, handle)
        broker.publish(exchange, Message(b"", key, message_id="before")).result(WAIT)
        until(lambda: "before" in seen, "the first message")
        assert broker.interrupted_consumers() == {}
        delete_queue(rabbitmq_server.url, queue)  # the broker cancels the consumer (basic.cancel)
        until(lambda: queue in broker.interrupted_consumers(), "the cancelled consumer to be reported")
        assert "cancelled" in broker.interrupted_consumers()[queue]
        assert any(queue in r.getMessage() + str(getattr(r, "queue", "")) for r in caplog.records
                   if "cancelled" in r.getMessage())
        time.sleep(1.0)
        assert queue in broker.interrupted_consumers()  # the queue still missing: not consuming
        broker.declare()  # a hub (re)declares the topology
        until(lambda: broker.interrupted_consumers() == {}, "the consumer to consume the re-created queue")
        broker.publish(exchange, Message(b"", key, message_id="after")).result(WAIT)
        until(lambda: "after" in seen, "the message published to the re-created queue")
    finally:
        broker.close()


def test_consumer_counts_are_read_per_queue(rabbitmq_server: RabbitMQServer, config: TopologyConfig) -> None:
    broker = open_broker(rabbitmq_server.url, config)
    boss, workflow = config.queue("boss"), config.queue("workflow")
    try:
        assert broker.consumer_counts([boss, workflow, f"{config.prefix}.missing"]) == {boss: 0, workflow: 0}
        broker.consume(boss, lambda d: d.ack())
        until(lambda: broker.consumer_counts([boss]) == {boss: 1}, "the consumer to be counted")
    finally:
        broker.close()
