"""`BoundedQueues`: which queues with a max length a publish reaches, read from the topology.

A queue declared with ``x-max-length`` and ``overflow=reject-publish`` (the consumer queues, with
``[broker] max_queue_length``) makes RabbitMQ nack a publish once it is full. A nack carries no reason, so the
publishers ask this map whether the nacked publish reached such a queue: then the nack is the queue being full,
a definite refusal (``QueueFullError``), and not the 3.10 failover fault that a new channel cures
(``hub.transport.amqp.outbox``).
"""

from __future__ import annotations

from hub.transport.routing import topic_matches
from hub.transport.topology import Topology

__all__ = ["BoundedQueues"]

_KEPT = 4096  # (exchange, routing key) pairs remembered; the hub publishes to a few per command type


class BoundedQueues:
    """``bounded(exchange, routing_key)`` → the names of the queues with a max length that the publish reaches
    (sorted; empty for none)."""

    def __init__(self, topology: Topology) -> None:
        kinds = {e.name: e.type for e in topology.exchanges}
        self._queues = frozenset(
            q.name for q in topology.queues
            if q.arguments.get("x-max-length") is not None and q.arguments.get("x-overflow") == "reject-publish"
        )
        self._bindings = tuple(
            (b.exchange, kinds.get(b.exchange, "direct"), b.routing_key, b.queue)
            for b in topology.bindings if b.queue in self._queues
        )
        self._found: dict[tuple[str, str], tuple[str, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self._queues)

    def __call__(self, exchange: str, routing_key: str) -> tuple[str, ...]:
        found = self._found.get((exchange, routing_key))
        if found is None:
            found = self._reached(exchange, routing_key)
            if len(self._found) < _KEPT:
                self._found[(exchange, routing_key)] = found
        return found

    def _reached(self, exchange: str, routing_key: str) -> tuple[str, ...]:
        if exchange == "":  # the default exchange: the queue named by the key
            return (routing_key,) if routing_key in self._queues else ()
        return tuple(sorted({
            queue for bound, kind, key, queue in self._bindings
            if bound == exchange and (kind == "fanout" or (key == routing_key if kind == "direct"
                                                            else topic_matches(key, routing_key)))
        }))
