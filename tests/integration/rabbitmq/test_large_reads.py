"""The consuming connection reads 16 KiB per ``recv()``: messages smaller and much larger than a read arrive
whole, in order, on a real broker."""

from __future__ import annotations

import threading
import uuid

import pytest

from hub.transport import Delivery, Message, TopologyConfig, open_broker
from hub.transport.amqp.reads import READ_BYTES
from tests.support.rabbitmq_server import RabbitMQServer

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]


def test_messages_of_every_size_arrive_whole_through_16_kib_reads(rabbitmq_server: RabbitMQServer) -> None:
    config = TopologyConfig(prefix=f"r{uuid.uuid4().hex[:8]}", consumers=("workflow",))
    sizes = [1, 2048, READ_BYTES - 9, READ_BYTES, READ_BYTES + 1, 5 * READ_BYTES + 7, 300_000] + [2048] * 200
    bodies = [bytes([65 + i % 26]) * size for i, size in enumerate(sizes)]
    received: list[bytes] = []
    done = threading.Event()

    def handle(delivery: Delivery) -> None:
        received.append(delivery.message.body)
        delivery.ack()
        if len(received) == len(bodies):
            done.set()

    broker = open_broker(rabbitmq_server.url, config)
    try:
        for future in [broker.publish(config.commands_exchange,
                                      Message(body=body, routing_key=f"workflow.t.T{i}", type="t.T"))
                       for i, body in enumerate(bodies)]:
            future.result(30)
        with broker.consume(config.queue("workflow"), handle, prefetch=500, concurrency=1):
            assert done.wait(60), f"{len(received)} of {len(bodies)} received"
        transport = broker._io.connection._transport  # the read size is the point of this test
        assert transport._MAX_RECV_BYTES == READ_BYTES
    finally:
        broker.close()
    assert received == bodies
