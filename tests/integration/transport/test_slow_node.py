"""A healthy node slow to answer its AMQP handshake (a busy cluster node, a reconnect storm, a slow auth backend,
TLS): 6 s here, under pika's 15 s. The topology declaration the I/O thread makes before every connection has that
connection's limits (the URL's, else pika's), not the operator tools' bounded handshake (5 s): the broker starts,
and reconnects after its node restarts slow. The node is a ``TcpRelay`` holding each connection's first answer."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from hub.transport import TopologyConfig, open_broker
from tests.support.rabbitmq_server import RabbitMQServer
from tests.support.tcp_relay import relay
from tests.support.topology_cleanup import delete_topology

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

SLOW = 6.0  # the node's first answer: above the bounded handshake (5 s), under pika's default (15 s)
WAIT = 60.0  # seconds before a wait gives up (a failure, never an assertion on speed)


@pytest.fixture
def declared(rabbitmq_server: RabbitMQServer) -> Iterator[TopologyConfig]:
    """A topology, deleted from the broker afterwards."""
    config = TopologyConfig(prefix=f"sn{uuid.uuid4().hex[:8]}", consumers=("workflow",))
    yield config
    delete_topology(rabbitmq_server.url, config)


def test_the_broker_starts_on_a_node_slow_to_answer_its_handshake(
    rabbitmq_server: RabbitMQServer, declared: TopologyConfig
) -> None:
    with relay(rabbitmq_server.port, first_answer_delay=SLOW) as node:
        broker = open_broker(node.url(), declared, connect_timeout=WAIT)
        try:
            assert broker.ready()
            assert node.taken == 2  # the declaration's connection, then the I/O thread's: each waited SLOW
        finally:
            broker.close()


def test_the_broker_reconnects_to_its_node_come_back_slow(
    rabbitmq_server: RabbitMQServer, declared: TopologyConfig
) -> None:
    with relay(rabbitmq_server.port) as node:
        broker = open_broker(node.url(), declared)
        try:
            node.first_answer_delay = SLOW  # the node restarts busy
            node.cut()
            deadline = time.monotonic() + WAIT
            while broker.ready() and time.monotonic() < deadline:  # the loss seen
                time.sleep(0.05)
            while not broker.ready() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert broker.ready(), f"never reconnected through the slow node: {broker.unready_reason()}"
            assert broker.reconnects == 1
        finally:
            broker.close()
