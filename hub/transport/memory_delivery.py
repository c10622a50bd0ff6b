"""What the ``memory://`` broker does with a message once it is in a queue, as RabbitMQ does it: routing by exchange
type, queue TTL (``expired``), dead-lettering with ``x-death``/``x-first-death-*`` headers, round-robin dispatch
to the subscribers within their prefetch, settlement, redelivery on requeue and on consumer close, and the
delivery limit (``delivery_limit``).

``QueueDelivery`` is the base of ``hub.transport.memory.MemoryBroker``, which creates the state it works on
(``__init__``) and calls it under its lock.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

from hub.transport.broker import Broker
from hub.transport.memory_queues import MemoryQueue, QueuedMessage, Subscriber
from hub.transport.message import Delivery, Message, Settlement
from hub.transport.routing import topic_matches
from hub.transport.scheduler import Scheduler

__all__ = ["QueueDelivery"]

log = logging.getLogger("onepoint.transport")


class QueueDelivery(Broker):
    """The queue rules of ``MemoryBroker``; its ``__init__`` sets these attributes."""

    _lock: threading.RLock
    _exchanges: dict[str, str]
    _bindings: dict[str, list[tuple[str, str]]]
    _queues: dict[str, MemoryQueue]
    _tags: itertools.count[int]
    _scheduler: Scheduler

    def _route(self, exchange: str, routing_key: str) -> list[MemoryQueue]:
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

    # -- in the queue: TTL, dead letters ----------------------------------------------------------------
    def _enqueue(self, q: MemoryQueue, item: QueuedMessage, *, front: bool = False) -> None:
        ttl = q.args.get("x-message-ttl")
        if ttl is not None and item.expires_at is None:
            item.expires_at = time.monotonic() + ttl / 1000
            self._scheduler.call_later(ttl / 1000, partial(self._expire, q))
        if front:
            q.ready.appendleft(item)
        else:
            q.ready.append(item)
        self._dispatch(q)

    def _expire(self, q: MemoryQueue) -> None:
        with self._lock:
            now = time.monotonic()
            while q.ready and q.ready[0].expires_at is not None and q.ready[0].expires_at <= now:
                self._dead_letter(q, q.ready.popleft(), "expired")

    def _dead_letter(self, q: MemoryQueue, item: QueuedMessage, reason: str) -> None:
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
            self._enqueue(target, QueuedMessage(dead))

    # -- to the subscribers: dispatch, settlement, redelivery -------------------------------------------
    def _dispatch(self, q: MemoryQueue) -> None:
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

    def _delivery(self, q: MemoryQueue, tag: int, item: QueuedMessage) -> Delivery:
        msg = replace(
            item.message,
            redelivered=item.redelivered,
            delivery_count=item.returns,
            headers={**item.message.headers, "x-delivery-count": item.returns},
        )
        return Delivery(msg, q.name, partial(self._settle, q, tag), self._retry)

    def _settle(self, q: MemoryQueue, tag: int, how: Settlement) -> None:
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

    def _return(self, q: MemoryQueue, item: QueuedMessage) -> None:
        item.returns += 1
        item.redelivered = True
        limit = q.args.get("x-delivery-limit")
        if limit is not None and item.returns > limit:
            self._dead_letter(q, item, "delivery_limit")
        else:
            self._enqueue(q, item, front=True)

    def _unsubscribe(self, q: MemoryQueue, sub: Subscriber) -> None:
        with self._lock:
            sub.active = False
            if sub in q.subs:
                q.subs.remove(sub)

    def _release(self, q: MemoryQueue, sub: Subscriber) -> None:
        with self._lock:
            mine = sorted((tag for tag, (_, s) in q.unacked.items() if s is sub), reverse=True)
            for tag in mine:
                item, _ = q.unacked.pop(tag)
                self._return(q, item)
            self._dispatch(q)

    def _retry(self, message: Message, tier: str) -> Future[None]:
        return self.publish(self.config.delay_exchange(tier), message)
