"""``memory://``: an in-process broker with RabbitMQ's semantics, for the embedded mode and unit tests.

It interprets the same ``Topology`` arguments as RabbitMQ (quorum queues): publisher confirms (a Future),
mandatory → ``UnroutableError``, ``x-max-length`` + ``reject-publish`` → ``QueueFullError`` (a nack), ``x-max-length``
+ ``drop-head`` → the oldest dropped (the probe queue, `hub.transport.probe`), manual
ack/nack/reject, redelivery (``redelivered`` and ``x-delivery-count``) on requeue and on consumer close,
``x-delivery-limit`` (delivered at most limit+1 times, then dead-lettered with reason ``delivery_limit``),
queue TTL (``expired``), ``x-death``/``x-first-death-*`` headers, topic/fanout/direct/default exchanges,
and direct reply-to. Nothing is persisted: whatever a queue (or a delay tier) holds when the process ends is
gone, so whoever stops it drains it first (``depths`` tells how much each queue still holds; ``hub.system.drain``).

``MemoryBroker`` is the ``Broker`` interface: declaring, publishing, consuming, request/reply, inspection and
closing; what happens to a message in a queue (TTL, dead letters, dispatch, settlement) is its base
``QueueDelivery`` (``hub.transport.memory_delivery``), what a queue holds is ``hub.transport.memory_queues``.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import replace

from hub.transport.broker import DIRECT_REPLY_TO
from hub.transport.consumer import Consumer, ConsumerFactory
from hub.transport.errors import QueueFullError, TransportClosedError, TransportError, UnroutableError
from hub.transport.memory_delivery import QueueDelivery
from hub.transport.memory_queues import MemoryQueue, QueuedMessage, Subscriber
from hub.transport.message import Delivery, Message
from hub.transport.rpc import PendingReplies
from hub.transport.scheduler import Scheduler
from hub.transport.topology import Topology

__all__ = ["MemoryBroker"]


class MemoryBroker(QueueDelivery):
    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self._lock = threading.RLock()
        self._exchanges: dict[str, str] = {}
        self._bindings: dict[str, list[tuple[str, str]]] = {}
        self._queues: dict[str, MemoryQueue] = {}
        self._tags = itertools.count(1)
        self._scheduler = Scheduler("memory-broker-timers")
        self._replies = PendingReplies(self._scheduler)
        self._reply_to = f"{DIRECT_REPLY_TO}.{uuid.uuid4().hex}"
        self._consumers: list[Consumer] = []
        self._closed = False
        self.declare()

    # -- topology ---------------------------------------------------------------------------------------
    def declare(self) -> None:
        with self._lock:
            for ex in self.topology.exchanges:
                if self._exchanges.setdefault(ex.name, ex.type) != ex.type:
                    raise TransportError(f"exchange {ex.name} exists with another type")
            for spec in self.topology.queues:
                existing = self._queues.setdefault(spec.name, MemoryQueue(spec.name, dict(spec.arguments)))
                if existing.args != dict(spec.arguments):
                    raise TransportError(f"queue {spec.name} exists with other arguments")
            for b in self.topology.bindings:
                pairs = self._bindings.setdefault(b.exchange, [])
                if (b.queue, b.routing_key) not in pairs:
                    pairs.append((b.queue, b.routing_key))

    # -- publishing -------------------------------------------------------------------------------------
    def publish(self, exchange: str, message: Message, *, mandatory: bool = True) -> Future[None]:
        future: Future[None] = Future()
        future.set_running_or_notify_cancel()
        message = replace(message, exchange=exchange, redelivered=False, delivery_count=None)
        reply_for_us = exchange == "" and message.routing_key == self._reply_to
        with self._lock:
            error = self._publish_locked(exchange, message, mandatory and not reply_for_us)
        if reply_for_us and error is None:
            self._replies.resolve(message)
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
        return future

    def _publish_locked(self, exchange: str, message: Message, mandatory: bool) -> Exception | None:
        if self._closed:
            return TransportClosedError("broker closed")
        if exchange and exchange not in self._exchanges:
            return TransportError(f"no exchange {exchange!r} in the topology")
        if message.routing_key.startswith(DIRECT_REPLY_TO) and exchange == "":
            return None  # a reply for a requester that is gone (or another process): dropped, like RabbitMQ
        queues = self._route(exchange, message.routing_key)
        if not queues:
            return UnroutableError(exchange, message.routing_key, message.message_id) if mandatory else None
        for q in queues:
            limit = q.args.get("x-max-length")
            # Like a quorum queue in 3.10: the limit is checked before enqueueing, so one more fits.
            if limit is not None and q.args.get("x-overflow") != "drop-head" and len(q.ready) + len(q.unacked) > limit:
                return QueueFullError((q.name,), message.message_id)
        for q in queues:
            self._enqueue(q, QueuedMessage(message))
            limit = q.args.get("x-max-length")
            if limit is not None and q.args.get("x-overflow") == "drop-head":  # the probe queue: oldest dropped
                while q.ready and len(q.ready) + len(q.unacked) > limit:
                    q.ready.popleft()
        return None

    # -- consuming --------------------------------------------------------------------------------------
    def _consume(self, queue: str, make: ConsumerFactory, *, prefetch: int, concurrency: int) -> Consumer:
        with self._lock:
            if self._closed:
                raise TransportClosedError("broker closed")
            q = self._queues[queue]
            holder: list[Subscriber] = []
            consumer = make(
                queue,
                concurrency,
                lambda: self._unsubscribe(q, holder[0]),
                lambda: self._release(q, holder[0]),
            )
            sub = Subscriber(consumer, max(1, prefetch))
            holder.append(sub)
            q.subs.append(sub)
            self._consumers.append(consumer)
            self._dispatch(q)
        return consumer

    def get(self, queue: str) -> Delivery | None:
        with self._lock:
            if self._closed:
                raise TransportClosedError("broker closed")
            q = self._queues[queue]
            if not q.ready:
                return None
            item = q.ready.popleft()
            tag = next(self._tags)
            q.unacked[tag] = (item, None)
            return self._delivery(q, tag, item)

    # -- request/reply ----------------------------------------------------------------------------------
    def _request(self, exchange: str, message: Message, timeout: float) -> Future[Message]:
        cid = message.correlation_id or ""
        message = replace(message, reply_to=self._reply_to)
        reply = self._replies.register(cid, timeout)
        error = self.publish(exchange, message).exception()
        if error is not None:
            self._replies.fail(cid, error)
        return reply

    # -- inspection and lifecycle -----------------------------------------------------------------------
    def message_count(self, queue: str) -> int:
        with self._lock:
            return len(self._queues[queue].ready)

    def message_counts(self, queues: Iterable[str]) -> dict[str, int]:
        with self._lock:
            return {name: len(self._queues[name].ready) for name in queues if name in self._queues}

    def consumer_counts(self, queues: Iterable[str]) -> dict[str, int]:
        with self._lock:
            return {name: sum(1 for sub in self._queues[name].subs if sub.active)
                    for name in queues if name in self._queues}

    def depths(self, *, due_before: float | None = None) -> dict[str, int]:
        """Every queue's messages, waiting or delivered and not yet settled (delay tiers and DLQs included);
        ``due_before`` (on ``time.monotonic``): leave out the messages whose time-to-live ends later (a delay tier's
        messages that cannot come back before then)."""
        with self._lock:
            return {name: len(q.unacked) + sum(1 for item in q.ready if due_before is None or item.expires_at is None
                                               or item.expires_at <= due_before)
                    for name, q in self._queues.items()}

    def purge(self, queue: str) -> int:
        with self._lock:
            q = self._queues[queue]
            count = len(q.ready)
            q.ready.clear()
            return count

    def ready(self) -> bool:
        return not self._closed

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            consumers = list(self._consumers)
        for consumer in consumers:
            consumer.close()
        self._replies.close()
        self._scheduler.close()
