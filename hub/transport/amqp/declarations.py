"""`Declarations`: the topology declared on a short-lived ``BlockingConnection`` (rare, synchronous by nature, and
its errors must reach the caller; a failed connect is ``TransportError``: ``hub.transport.amqp.blocking``). The I/O
thread declares before every connection it makes, so the declaration's connection has the limits of the long-lived
connection it precedes: the broker URL's ``?socket_timeout=``/``?stack_timeout=``, else pika's defaults (10 s and
15 s), never the operator tools' bounded handshake (a healthy node slow to answer, 6 s, was refused at every start
and reconnect). A declaration refused with 406 (an exchange or queue of that name exists with other arguments) is
``TopologyMismatchError`` naming every exchange and queue that differs, each with the first argument RabbitMQ
named (the broker's value and the settings'; possibly more differ), and the ways forward
(`hub.transport.amqp.inequivalence`): permanent, never retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from hub.transport.amqp.blocking import open_blocking
from hub.transport.amqp.inequivalence import Inequivalence, describe, read_refusal
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
        """Every exchange and queue, each on a channel of its own, so that every one that differs is found; then
        the bindings. ``TopologyMismatchError`` names all that differ (`hub.transport.amqp.inequivalence`)."""
        conn = open_blocking(self._nodes)
        try:
            mismatches: list[Inequivalence] = []
            for ex in self.topology.exchanges:
                mismatches += _differences(conn, f"exchange {ex.name}", _exchange(ex.name, ex.type))
            for q in self.topology.queues:
                mismatches += _differences(conn, f"queue {q.name}", _queue(q.name), dict(q.arguments))
            if mismatches:
                first = mismatches[0]
                raise TopologyMismatchError(first.entity, first.reason,
                                            describe(self.topology.config.prefix, mismatches))
            ch = conn.channel()
            for b in self.topology.bindings:
                ch.queue_bind(b.queue, b.exchange, routing_key=b.routing_key)
        except pika.exceptions.AMQPError as exc:
            raise TransportError(f"declaring the topology failed: {exc!r}") from exc
        finally:
            if conn.is_open:
                conn.close()
        log.info("topology declared",
                 extra={"prefix": self.topology.config.prefix, "queues": len(self.topology.queues)})


Declare = Callable[[BlockingChannel, dict[str, Any]], object]


def _exchange(name: str, kind: str) -> Declare:
    return lambda ch, _arguments: ch.exchange_declare(name, kind, durable=True)


def _queue(name: str) -> Declare:
    return lambda ch, arguments: ch.queue_declare(name, durable=True, arguments=arguments)


def _differences(conn: pika.BlockingConnection, entity: str, declare: Declare,
                 arguments: dict[str, Any] | None = None) -> list[Inequivalence]:
    """Declare ``entity`` once, on a channel of its own; a 406 is its first differing argument (RabbitMQ names one
    at a time). No second declaration explores the others: a declaration creates a queue the operator deleted
    meanwhile, and one "with the broker's value" would create it with the very argument the settings changed."""
    ours = arguments or {}
    ch = conn.channel()
    try:
        declare(ch, ours)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code != 406:
            raise
        return [read_refusal(entity, str(exc.reply_text))]
    if ch.is_open:
        ch.close()
    return []
