"""``memory://``: an in-process broker with RabbitMQ's semantics, for the embedded mode and unit tests.

It interprets the same ``Topology`` arguments as RabbitMQ (quorum queues): publisher confirms (a Future),
mandatory → ``UnroutableError``, ``x-max-length`` + ``reject-publish`` → ``QueueFullError`` (a nack), manual
ack/nack/reject, redelivery (``redelivered`` and ``x-delivery-count``) on requeue and on consumer close,
``x-delivery-limit`` (delivered at most limit+1 times, then dead-lettered with reason ``delivery_limit``),
queue TTL (``expired``), ``x-death``/``x-first-death-*`` headers, topic/fanout/direct/default exchanges,
and direct reply-to. Nothing is persisted: whatever a queue (or a delay tier) holds when the process ends is
gone, so whoever stops it drains it first (``depths`` tells how much each queue still holds; ``hub.system.drain``).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from hub.transport.broker import DIRECT_REPLY_TO, Broker
from hub.transport.consumer import Consumer, ConsumerFactory
from hub.transport.errors import QueueFullError, TransportClosedError, TransportError, UnroutableError
from hub.transport.message import Delivery, Message, Settlement
from hub.transport.routing import topic_matches
from hub.transport.rpc import PendingReplies
from hub.transport.scheduler import Scheduler
from hub.transport.topology import Topology

__all__ = ["MemoryBroker"]

log = logging.getLogger("onepoint.transport")


@dataclass(slots=True)
class _Item:
    message: Message
    expires_at: float | None = None
    returns: int = 0
    redelivered: bool = False


@dataclass(slots=True)
class _Sub:
    consumer: Consumer
    prefetch: int
    unacked: int = 0
    active: bool = True


@dataclass(slots=True)
class _Queue:
    name: str
    args: dict[str, Any]
    ready: deque[_Item] = field(default_factory=deque)
    unacked: dict[int, tuple[_Item, _Sub | None]] = field(default_factory=dict)  # sub None: taken by get()
    subs: list[_Sub] = field(default_factory=list)
    turn: int = 0


class MemoryBroker(Broker):
    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self._lock = threading.RLock()
        self._exchanges: dict[str, str] = {}
        self._bindings: dict[str, list[tuple[str, str]]] = {}
        self._queues: dict[str, _Queue] = {}
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
                existing = self._queues.setdefault(spec.name, _Queue(spec.name, dict(spec.arguments)))
                if existing.args != dict(spec.arguments):
                    raise TransportError(f"queue {spec.name} exists with other arguments")
            for b in self.topology.bindings:
                pairs = self._bindings.setdefault(b.exchange, [])
                if (b.queue, b.routing_key) not in pairs:
                    pairs.append((b.queue, b.routing_key))

    def _route(self, exchange: str, routing_key: str) -> list[_Queue]:
        if exchange == "":
            q = self._queues.get(routing_key)
            return [q] if q else []
        kind = self._exchanges[exchange]
        names = {
            queue
            for queue, key in self._bindings.get(exchange, [])
            if kind == "fanout" or (key == routing_key if kind == "direct" else topic_matches(key, routing_key))
        }
        return [self._queues[n] for n in sorted(names)]

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
            if limit is not None and len(q.ready) + len(q.unacked) > limit:
                return QueueFullError((q.name,), message.message_id)
        for q in queues:
            self._enqueue(q, _Item(message))
        return None

    def _enqueue(self, q: _Queue, item: _Item, *, front: bool = False) -> None:
        ttl = q.args.get("x-message-ttl")
        if ttl is not None and item.expires_at is None:
            item.expires_at = time.monotonic() + ttl / 1000
            self._scheduler.call_later(ttl / 1000, partial(self._expire, q))
        if front:
            q.ready.appendleft(item)
        else:
            q.ready.append(item)
        self._dispatch(q)

    def _expire(self, q: _Queue) -> None:
        with self._lock:
            now = time.monotonic()
            while q.ready and q.ready[0].expires_at is not None and q.ready[0].expires_at <= now:
                self._dead_letter(q, q.ready.popleft(), "expired")

    def _dead_letter(self, q: _Queue, item: _Item, reason: str) -> None:
        exchange = q.args.get("x-dead-letter-exchange")
        msg = item.message
        if exchange is None:
            log.info("message dropped", extra={"message_id": msg.message_id, "queue": q.name, "reason": reason})
            return
        deaths = [dict(d) for d in msg.headers.get("x-death", [])]
        for death in deaths:
            if death["queue"] == q.name and death["reason"] == reason:
                death["count"] += 1
                deaths.remove(death)
                deaths.insert(0, death)
                break
        else:
            deaths.insert(
                0,
                {
                    "count": 1,
                    "reason": reason,
                    "queue": q.name,
                    "time": datetime.now(UTC).replace(microsecond=0),
                    "exchange": msg.exchange,
                    "routing-keys": [msg.routing_key],
                },
            )
        headers = {k: v for k, v in msg.headers.items() if k != "x-delivery-count"}
        headers["x-death"] = deaths
        headers.setdefault("x-first-death-exchange", msg.exchange)
        headers.setdefault("x-first-death-queue", q.name)
        headers.setdefault("x-first-death-reason", reason)
        rk = q.args.get("x-dead-letter-routing-key", msg.routing_key)
        dead = replace(msg, exchange=exchange, routing_key=rk, headers=headers)
        for target in self._route(exchange, rk):
            self._enqueue(target, _Item(dead))

    # -- consuming --------------------------------------------------------------------------------------
    def _consume(self, queue: str, make: ConsumerFactory, *, prefetch: int, concurrency: int) -> Consumer:
        with self._lock:
            if self._closed:
                raise TransportClosedError("broker closed")
            q = self._queues[queue]
            holder: list[_Sub] = []
            consumer = make(
                queue,
                concurrency,
                lambda: self._unsubscribe(q, holder[0]),
                lambda: self._release(q, holder[0]),
            )
            sub = _Sub(consumer, max(1, prefetch))
            holder.append(sub)
            q.subs.append(sub)
            self._consumers.append(consumer)
            self._dispatch(q)
        return consumer

    def _dispatch(self, q: _Queue) -> None:
        while q.ready:
            subs = [s for s in q.subs if s.active and s.unacked < s.prefetch]
            if not subs:
                return
            sub = subs[q.turn % len(subs)]
            q.turn += 1
            item = q.ready.popleft()
            tag = next(self._tags)
            q.unacked[tag] = (item, sub)
            sub.unacked += 1
            sub.consumer.dispatch(self._delivery(q, tag, item))

    def _delivery(self, q: _Queue, tag: int, item: _Item) -> Delivery:
        msg = replace(
            item.message,
            redelivered=item.redelivered,
            delivery_count=item.returns,
            headers={**item.message.headers, "x-delivery-count": item.returns},
        )
        return Delivery(msg, q.name, partial(self._settle, q, tag), self._retry)

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

    def _settle(self, q: _Queue, tag: int, how: Settlement) -> None:
        with self._lock:
            entry = q.unacked.pop(tag, None)
            if entry is None:
                log.warning("settling a delivery that was already returned to its queue", extra={"queue": q.name})
                return
            item, sub = entry
            if sub is not None:
                sub.unacked -= 1
            if how is Settlement.REQUEUE:
                self._return(q, item)
            elif how is Settlement.DISCARD:
                self._dead_letter(q, item, "rejected")
            self._dispatch(q)

    def _return(self, q: _Queue, item: _Item) -> None:
        item.returns += 1
        item.redelivered = True
        limit = q.args.get("x-delivery-limit")
        if limit is not None and item.returns > limit:
            self._dead_letter(q, item, "delivery_limit")
        else:
            self._enqueue(q, item, front=True)

    def _unsubscribe(self, q: _Queue, sub: _Sub) -> None:
        with self._lock:
            sub.active = False
            if sub in q.subs:
                q.subs.remove(sub)

    def _release(self, q: _Queue, sub: _Sub) -> None:
        with self._lock:
            mine = sorted((tag for tag, (_, s) in q.unacked.items() if s is sub), reverse=True)
            for tag in mine:
                item, _ = q.unacked.pop(tag)
                self._return(q, item)
            self._dispatch(q)

    def _retry(self, message: Message, tier: str) -> Future[None]:
        return self.publish(self.config.delay_exchange(tier), message)

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
