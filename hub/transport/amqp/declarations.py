"""`Declarations`: the topology declared, and queues read or purged, on a short-lived ``BlockingConnection`` (rare,
synchronous by nature, and their errors must reach the caller; its handshake bounded and a failed connect
``TransportError``: ``hub.transport.amqp.blocking``). A declaration refused with 406 (an exchange or queue of that
name exists with other arguments) is ``TopologyMismatchError`` naming it: permanent, never retried.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Sequence

import pika
import pika.exceptions

from hub.transport.amqp.blocking import blocking_nodes, open_blocking
from hub.transport.errors import TopologyMismatchError, TransportError
from hub.transport.topology import Topology

__all__ = ["Declarations"]

log = logging.getLogger("onepoint.transport")


class Declarations:
    def __init__(self, urls: Sequence[str], topology: Topology) -> None:
        self._blocking_nodes = blocking_nodes(urls)
        self.topology = topology

    def _blocking(self) -> pika.BlockingConnection:
        return open_blocking(self._blocking_nodes)

    def declare(self) -> None:
        conn = self._blocking()
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

    def queue_op(self, queue: str, purge: bool) -> int:
        """``queue``'s ready messages (a passive declare), or how many a purge dropped."""
        conn = self._blocking()
        try:
            ch = conn.channel()
            if purge:
                return int(ch.queue_purge(queue).method.message_count)
            return int(ch.queue_declare(queue, passive=True).method.message_count)
        except pika.exceptions.AMQPError as exc:
            raise TransportError(f"queue {queue}: {exc!r}") from exc
        finally:
            if conn.is_open:
                conn.close()

    def message_counts(self, queues: Iterable[str]) -> dict[str, int]:
        """One connection, one passive declare per queue (a missing queue closes the channel: it is left out and
        the next one read on a new channel)."""
        conn = self._blocking()
        counts: dict[str, int] = {}
        try:
            ch = conn.channel()
            for queue in queues:
                try:
                    counts[queue] = int(ch.queue_declare(queue, passive=True).method.message_count)
                except pika.exceptions.ChannelClosed:
                    ch = conn.channel()
        except pika.exceptions.AMQPError as exc:
            raise TransportError(f"reading the queues' depths: {exc!r}") from exc
        finally:
            if conn.is_open:
                conn.close()
        return counts


@contextlib.contextmanager
def _inequivalent(entity: str) -> Iterator[None]:
    """A 406 from a declaration: ``entity`` exists with other arguments (permanent, ``TopologyMismatchError``)."""
    try:
        yield
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 406:
            raise TopologyMismatchError(entity, str(exc.reply_text)) from exc
        raise
