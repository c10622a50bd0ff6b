"""`QueueReads`: a queue's depth and consumers read, or the queue purged, on a short-lived ``BlockingConnection``
for the operator's tools and the hub's gauges (``broker.message_count(s)``, ``broker.consumer_counts``,
``broker.purge``). Like the DLQ getter's, its handshake is bounded (`HANDSHAKE_TIMEOUTS`, unless the broker URL sets
its own limits) and a failed connect is ``TransportError`` (``hub.transport.amqp.blocking``): ``onepoint dlq list``
on a hung node gives up in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pika.exceptions

from hub.transport.amqp.blocking import blocking_nodes, open_blocking
from hub.transport.errors import TransportError

__all__ = ["QueueReads"]


class QueueReads:
    def __init__(self, urls: Sequence[str]) -> None:
        self._blocking_nodes = blocking_nodes(urls)

    def queue_op(self, queue: str, purge: bool) -> int:
        """``queue``'s ready messages (a passive declare), or how many a purge dropped."""
        conn = open_blocking(self._blocking_nodes)
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
        """Each queue's ready messages (``read_counts``)."""
        return {queue: messages for queue, (messages, _) in self.read_counts(queues).items()}

    def consumer_counts(self, queues: Iterable[str]) -> dict[str, int]:
        """Each queue's consumers, every connection's (``read_counts``)."""
        return {queue: consumers for queue, (_, consumers) in self.read_counts(queues).items()}

    def read_counts(self, queues: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Queue → (ready messages, consumers): one connection, one passive declare per queue (a missing queue
        closes the channel: it is left out and the next one read on a new channel)."""
        conn = open_blocking(self._blocking_nodes)
        counts: dict[str, tuple[int, int]] = {}
        try:
            ch = conn.channel()
            for queue in queues:
                try:
                    method = ch.queue_declare(queue, passive=True).method
                    counts[queue] = (int(method.message_count), int(method.consumer_count))
                except pika.exceptions.ChannelClosed:
                    ch = conn.channel()
        except pika.exceptions.AMQPError as exc:
            raise TransportError(f"reading the queues' depths: {exc!r}") from exc
        finally:
            if conn.is_open:
                conn.close()
        return counts
