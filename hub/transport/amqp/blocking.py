"""The short-lived ``BlockingConnection``s of the broker's synchronous operations, and which of them have a bounded
handshake.

The operator-facing ones (``broker.get()`` for the DLQ tools: `BlockingGetter`; the queue depths and purges:
`QueueReads`) are bounded by `HANDSHAKE_TIMEOUTS` (`blocking_nodes`), unless a broker URL sets its own
``?socket_timeout=``/``?stack_timeout=``: on a node that accepts TCP but never speaks AMQP (hung, half started),
``onepoint dlq list`` gave up only after pika's 10 s to connect and 15 s to be open. The topology declaration the
I/O thread makes before every connection (`Declarations`) is not: it precedes the long-lived connection and has its
limits (the URL's, else pika's), so a healthy node slow to answer its handshake (busy, a reconnect storm, a slow
auth backend, TLS) is still connected to; a close() no longer waits for it (``IOThread.stop``). A failed connect
is ``BrokerUnreachableError`` (``BrokerRefusedError`` when a node answered and refused it) with the reason
(`open_blocking`; pika raises a handshake timeout as an error of its connection workflow, outside ``AMQPError``: it
reached the caller raw).
"""

from __future__ import annotations

from collections.abc import Sequence

import pika
import pika.exceptions
from pika.adapters.utils.connection_workflow import AMQPConnectorException

from hub.transport.amqp.nodes import NodeAddresses, failure_reason, refused_by_broker
from hub.transport.errors import BrokerRefusedError, BrokerUnreachableError

__all__ = ["HANDSHAKE_TIMEOUTS", "blocking_nodes", "open_blocking"]

HANDSHAKE_TIMEOUTS = {"socket_timeout": 3.0, "stack_timeout": 5.0}


def blocking_nodes(urls: Sequence[str]) -> NodeAddresses:
    """The node addresses of ``urls`` with the bounded handshake, for one operator-facing connection's user."""
    return NodeAddresses(urls, HANDSHAKE_TIMEOUTS)


def open_blocking(nodes: NodeAddresses) -> pika.BlockingConnection:
    """A connection to the first of ``nodes`` (current one first) that answers; ``TransportError`` if none does."""
    try:
        return pika.BlockingConnection(nodes.in_turn())
    except (pika.exceptions.AMQPError, AMQPConnectorException) as exc:
        kind = BrokerRefusedError if refused_by_broker(exc) else BrokerUnreachableError
        raise kind(f"cannot connect to the broker: {failure_reason(exc)}") from exc
