"""The operator's tools on a hung node (accepts TCP, never answers AMQP): ``broker.get()``, the queue depths and the
purge (``onepoint dlq list`` and the other DLQ commands) give up after the bounded handshake of the operator's
short-lived connections (5 s), not pika's 15 s, with a ``TransportError`` (pika's handshake timeout reached the
caller raw), and leave no socket open."""

from __future__ import annotations

import time
import uuid

import pytest

from hub.transport import TopologyConfig, open_broker
from hub.transport.errors import TransportError
from tests.support.rabbitmq_server import RabbitMQServer
from tests.support.tcp_relay import relay
from tests.support.unclosed_sockets import unclosed_sockets

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

PROMPT = 8.0  # well below pika's default 15 s for the AMQP handshake; the bound is 5 s


@pytest.mark.parametrize("operation", ["get", "message_counts", "purge"])
def test_a_tool_on_a_node_gone_silent_gives_up_within_the_bounded_handshake(
    rabbitmq_server: RabbitMQServer, operation: str
) -> None:
    config = TopologyConfig(prefix=f"hn{uuid.uuid4().hex[:8]}", consumers=("workflow",))
    with relay(rabbitmq_server.port) as node, unclosed_sockets(node.port) as unclosed:
        broker = open_broker(node.url(), config, declare=False)  # as the DLQ tools open it
        try:
            node.go_silent()  # the I/O thread's connection stays; the getter's own connection meets a hung node
            began = time.monotonic()
            queue = f"{config.prefix}.workflow.dlq"
            with pytest.raises(TransportError, match="cannot connect to the broker: AMQPConnectorStackTimeout"):
                {"get": broker.get, "purge": broker.purge}.get(operation, lambda q: broker.message_counts([q]))(queue)
            took = time.monotonic() - began
        finally:
            broker.close()
        assert node.accepted.is_set()
        assert took < PROMPT, f"{operation} waited {took:.1f}s on a hung node"
        assert node.closed_by_client(5.0), "the attempt's socket was left open"
    assert unclosed == []
