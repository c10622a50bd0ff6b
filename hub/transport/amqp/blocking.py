"""The short-lived ``BlockingConnection`` of the broker's synchronous operations: the topology's declarations and
queue reads (`Declarations`), ``basic.get`` for the DLQ tools (`BlockingGetter`).

A node that accepts TCP but never speaks AMQP (hung, half started) held them for pika's defaults, 10 s to connect
and 15 s to be open: a reconnect declaring the topology, the ``close()`` that waited for it (10 s), an operator's
``onepoint dlq list``. Their handshake is bounded by `HANDSHAKE_TIMEOUTS` instead, unless a broker URL sets its own
``?socket_timeout=``/``?stack_timeout=``; the I/O thread's and the event-loop publisher's long-lived connections
keep pika's. A failed connect is ``TransportError`` with the reason (pika raises a handshake timeout as an error
of its connection workflow, outside ``AMQPError``: it reached the caller raw).
"""

from __future__ import annotations

from collections.abc import Sequence

import pika
import pika.exceptions
from pika.adapters.utils.connection_workflow import AMQPConnectorException

from hub.transport.amqp.nodes import NodeAddresses, failure_reason
from hub.transport.errors import TransportError

__all__ = ["HANDSHAKE_TIMEOUTS", "blocking_nodes", "open_blocking"]

HANDSHAKE_TIMEOUTS = {"socket_timeout": 3.0, "stack_timeout": 5.0}


def blocking_nodes(urls: Sequence[str]) -> NodeAddresses:
    """The node addresses of ``urls`` with the bounded handshake, for one short-lived connection's user."""
    return NodeAddresses(urls, HANDSHAKE_TIMEOUTS)


def open_blocking(nodes: NodeAddresses) -> pika.BlockingConnection:
    """A connection to the first of ``nodes`` (current one first) that answers; ``TransportError`` if none does."""
    try:
        return pika.BlockingConnection(nodes.in_turn())
    except (pika.exceptions.AMQPError, AMQPConnectorException) as exc:
        raise TransportError(f"cannot connect to the broker: {failure_reason(exc)}") from exc
