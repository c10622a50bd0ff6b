"""Messages as the backbone carries them, and the ``Delivery`` handle a consumer settles."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import field, replace
from enum import Enum
from typing import Any

from hub.envelope import new_message_id
from hub.transport.errors import TransportError
from hub.values import value_class

__all__ = ["BatchHandler", "Delivery", "Handler", "Message", "Settlement", "counter", "header_count"]

log = logging.getLogger("onepoint.transport")

RETRY_COUNT = "x-retry-count"
ORIGINAL_ROUTING_KEY = "x-original-routing-key"
ORIGINAL_EXCHANGE = "x-original-exchange"
REJECT_REASON = "x-reject-reason"


def header_count(value: Any) -> int | None:
    """A non-negative count as the hub writes it (an int; a string of digits is taken too), else None.

    Headers come from whoever published the message (an operator by hand, another tool), so a counter is never
    trusted to be a number: one that is not must not stop the message from being handled."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, bytes | bytearray | str):
        digits = value.strip() if isinstance(value, str) else bytes(value).decode("utf-8", errors="replace").strip()
        return int(digits) if digits.isascii() and digits.isdigit() else None
    return None


def counter(headers: Mapping[str, Any], name: str) -> int:
    """The counter header ``name`` (0 when absent); an unreadable one is taken as unknown, i.e. 0, with a WARNING
    naming the header and its value."""
    value = headers.get(name)
    if value is None:
        return 0
    count = header_count(value)
    if count is None:
        log.warning("unreadable counter header taken as 0", extra={"header": name, "value": repr(value)[:200]})
        return 0
    return count


@value_class
class Message:
    """One message. ``message_id`` is the idempotency key; ``type`` is the command type.

    On a received message ``redelivered`` is the broker's flag and ``delivery_count`` the number of earlier
    deliveries that were returned to the queue (RabbitMQ's ``x-delivery-count``); ``None`` when unknown.
    ``app_id`` and ``timestamp`` (POSIX seconds) are the AMQP properties of those names.
    """

    body: bytes
    routing_key: str = ""
    message_id: str = field(default_factory=new_message_id)
    type: str | None = None
    correlation_id: str | None = None
    reply_to: str | None = None
    content_type: str | None = None
    app_id: str | None = None
    timestamp: int | None = None
    headers: Mapping[str, Any] = field(default_factory=dict)
    exchange: str = ""
    redelivered: bool = False
    delivery_count: int | None = None

    @property
    def origin_routing_key(self) -> str:
        """The routing key it was first published with (a retry travels under the queue's name)."""
        return str(self.headers.get(ORIGINAL_ROUTING_KEY, self.routing_key))

    @property
    def retry_count(self) -> int:
        """How many times a consumer sent it through a delay tier."""
        return counter(self.headers, RETRY_COUNT)

    @property
    def death_reason(self) -> str | None:
        """Why it was dead-lettered first (``rejected``, ``expired``, ``delivery_limit``, ...), if it was."""
        reason = self.headers.get("x-first-death-reason")
        if reason is None:
            deaths = self.headers.get("x-death") or []
            reason = deaths[0].get("reason") if deaths else None
        return None if reason is None else _text(reason)

    @property
    def death_queue(self) -> str | None:
        queue = self.headers.get("x-first-death-queue")
        return None if queue is None else _text(queue)

    def with_headers(self, **headers: Any) -> Message:
        return replace(self, headers={**self.headers, **headers})

    def for_retry(self, queue: str) -> Message:
        """The copy a consumer publishes to a delay tier: addressed to ``queue``, origin kept in headers."""
        return replace(
            self,
            routing_key=queue,
            exchange="",
            redelivered=False,
            delivery_count=None,
            headers={
                **{k: v for k, v in self.headers.items() if k != "x-delivery-count"},
                ORIGINAL_ROUTING_KEY: self.origin_routing_key,
                ORIGINAL_EXCHANGE: str(self.headers.get(ORIGINAL_EXCHANGE, self.exchange)),
                RETRY_COUNT: self.retry_count + 1,
            },
        )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class Settlement(Enum):
    ACK = "ack"
    REQUEUE = "requeue"
    DISCARD = "discard"  # nack without requeue: dead-lettered if the queue has a dead-letter exchange


class Delivery:
    """A received message and the one way to settle it. Safe to call from any thread, exactly once.

    ``ack()`` after the effect is committed; ``nack()`` to get it redelivered now; ``reject(reason)`` to
    dead-letter it (the broker adds ``x-death`` with reason ``rejected``); ``retry(tier)`` to have it come
    back after a delay tier's TTL.
    """

    def __init__(
        self,
        message: Message,
        queue: str,
        settle: Callable[[Settlement], None],
        retry: Callable[[Message, str], Future[None]],
    ) -> None:
        self.message = message
        self.queue = queue
        self._settle = settle
        self._retry = retry
        self._lock = threading.Lock()
        self._settled: Settlement | None = None

    @property
    def settled(self) -> Settlement | None:
        return self._settled

    def _finish(self, how: Settlement) -> None:
        with self._lock:
            if self._settled is not None:
                raise TransportError(f"delivery {self.message.message_id} already settled ({self._settled})")
            self._settled = how
        self._settle(how)

    def ack(self) -> None:
        self._finish(Settlement.ACK)

    def nack(self, requeue: bool = True) -> None:
        self._finish(Settlement.REQUEUE if requeue else Settlement.DISCARD)

    def reject(self, reason: str = "rejected") -> None:
        """Dead-letter the message. ``reason`` is logged; the broker records ``x-death`` reason ``rejected``."""
        log.warning(
            "dead-lettering message",
            extra={"message_id": self.message.message_id, "queue": self.queue, "reason": reason},
        )
        self._finish(Settlement.DISCARD)

    def retry(self, tier: str, timeout: float = 30.0) -> None:
        """Publish a copy to delay tier ``tier`` (confirmed), then ack this one. Blocks the calling thread.

        If the copy cannot be published the delivery is requeued and the error re-raised.
        """
        copy = self.message.for_retry(self.queue)
        try:
            self._retry(copy, tier).result(timeout=timeout)
        except BaseException:
            self.nack(requeue=True)
            raise
        log.info(
            "message sent to delay tier",
            extra={"message_id": self.message.message_id, "queue": self.queue, "tier": tier},
        )
        self.ack()


Handler = Callable[[Delivery], None]
"""A consumer callback. It runs on a worker thread and must settle the delivery."""

BatchHandler = Callable[[list[Delivery]], None]
"""A batch consumer callback: every delivery that was waiting (up to ``max_batch``); it settles each one."""
