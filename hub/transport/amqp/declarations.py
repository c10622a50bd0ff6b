"""`Declarations`: the topology declared on a short-lived ``BlockingConnection`` (rare, synchronous by nature, and
its errors must reach the caller; a failed connect is ``TransportError``: ``hub.transport.amqp.blocking``). The I/O
thread declares before every connection it makes, so the declaration's connection has the limits of the long-lived
connection it precedes: the broker URL's ``?socket_timeout=``/``?stack_timeout=``, else pika's defaults (10 s and
15 s), never the operator tools' bounded handshake (a healthy node slow to answer, 6 s, was refused at every start
and reconnect). A declaration refused with 406 (an exchange or queue of that name exists with other arguments) is
``TopologyMismatchError`` naming it: permanent, never retried.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence

import pika
import pika.exceptions

from hub.transport.amqp.blocking import open_blocking
from hub.transport.amqp.nodes import NodeAddresses
from hub.transport.errors import TopologyMismatchError, TransportError
from hub.transport.topology import Topology

__all__ = ["Declarations"]

log = logging.getLogger("onepoint.transport")


class Declarations:
    def __init__(self, urls: Sequence[str], topology: Topology) -> None:
        self._nodes = NodeAddresses(urls)  # the URL's limits, else pika's: those of the I/O thread's connection
        self.topology = topology

    def declare(self) -> None:
        conn = open_blocking(self._nodes)
        try:
            ch = conn.channel()
            for ex in self.topology.exchanges:
                with _inequivalent(f"exchange {ex.name}"):
                    ch.exchange_declare(ex.name, ex.type, durable=True)
            for q in self.topology.queues:
                with _inequivalent(f"queue {q.name}"):
                    ch.queue_declare(q.name, durable=True, arguments=dict(q.arguments))
            for b in self.topology.bindings:
                ch.queue_bind(b.queue, b.exchange, routing_key=b.routing_key)
        except pika.exceptions.AMQPError as exc:
            raise TransportError(f"declaring the topology failed: {exc!r}") from exc
        finally:
            if conn.is_open:
                conn.close()
        log.info("topology declared",
                 extra={"prefix": self.topology.config.prefix, "queues": len(self.topology.queues)})


@contextlib.contextmanager
def _inequivalent(entity: str) -> Iterator[None]:
    """A 406 from a declaration: ``entity`` exists with other arguments (permanent, ``TopologyMismatchError``)."""
    try:
        yield
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 406:
            raise TopologyMismatchError(entity, str(exc.reply_text)) from exc
        raise
