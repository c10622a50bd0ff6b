"""`BoundedQueues`: which queues with a max length a publish reaches, read from the topology.

A queue declared with ``x-max-length`` and ``overflow=reject-publish`` (the consumer queues, with
``[broker] max_queue_length``) makes RabbitMQ nack a publish once it is full. A nack carries no reason, so the
publishers ask this map whether the nacked publish reached such a queue: then the nack is the queue being full,
a definite refusal (``QueueFullError``), and not the 3.10 failover fault that a new channel cures
(``hub.transport.amqp.outbox``).

Every consumer queue is declared with ``reject-publish``, with or without a max length: an operator policy
(``rabbitmqctl set_policy ... '{"max-length": N}'``) can bound one the hub declared unbounded, and its arguments do
not say so. ``by_policy`` names those queues a publish reaches: a nack of a publish into one of them may be the queue
full, which the outbox tells from the failover fault by a second nack on a new channel.
"""

from __future__ import annotations

from hub.transport.routing import topic_matches
from hub.transport.topology import Topology

__all__ = ["BoundedQueues"]

_KEPT = 4096  # (exchange, routing key) pairs remembered; the hub publishes to a few per command type


class BoundedQueues:
    """``bounded(exchange, routing_key)`` → the names of the queues with a declared max length that the publish
    reaches, ``bounded.by_policy(exchange, routing_key)`` → those a policy's max length may bound (``reject-publish``
    without a declared max length); each sorted, empty for none."""

    def __init__(self, topology: Topology) -> None:
        kinds = {e.name: e.type for e in topology.exchanges}
        rejecting = [q for q in topology.queues if q.arguments.get("x-overflow") == "reject-publish"]
        self._declared = frozenset(q.name for q in rejecting if q.arguments.get("x-max-length") is not None)
        self._policy = frozenset(q.name for q in rejecting) - self._declared
        self._bindings = tuple(
            (b.exchange, kinds.get(b.exchange, "direct"), b.routing_key, b.queue)
            for b in topology.bindings if b.queue in self._declared or b.queue in self._policy
        )
        self._found: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def __bool__(self) -> bool:
        return bool(self._declared)

    def __call__(self, exchange: str, routing_key: str) -> tuple[str, ...]:
        return self._lookup(exchange, routing_key)[0]

    def by_policy(self, exchange: str, routing_key: str) -> tuple[str, ...]:
        return self._lookup(exchange, routing_key)[1]

    def _lookup(self, exchange: str, routing_key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        found = self._found.get((exchange, routing_key))
        if found is None:
            reached = self._reached(exchange, routing_key)
            found = (tuple(q for q in reached if q in self._declared), tuple(q for q in reached if q in self._policy))
            if len(self._found) < _KEPT:
                self._found[(exchange, routing_key)] = found
        return found

    def _reached(self, exchange: str, routing_key: str) -> tuple[str, ...]:
        if exchange == "":  # the default exchange: the queue named by the key
            known = routing_key in self._declared or routing_key in self._policy
            return (routing_key,) if known else ()
        return tuple(sorted({
            queue for bound, kind, key, queue in self._bindings
            if bound == exchange and (kind == "fanout" or (key == routing_key if kind == "direct"
                                                            else topic_matches(key, routing_key)))
        }))
