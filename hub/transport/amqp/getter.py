"""``basic.get`` with manual settlement, for tools (DLQ browsing) rather than consumers.

Tools are synchronous and rare, so one ``BlockingConnection`` (opened lazily, serialised by a lock) is
simpler than going through the I/O thread (its handshake bounded, a failed connect ``TransportError``:
``hub.transport.amqp.blocking``). A delivery must be settled on the channel it came from: if
that channel or connection is gone, the settlement is dropped and logged, and the broker has already
returned the message to its queue (it is never lost, it comes back with ``redelivered`` set).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from functools import partial
from typing import Any

import pika
import pika.exceptions

from hub.transport.amqp.blocking import blocking_nodes, open_blocking
from hub.transport.amqp.properties import from_pika
from hub.transport.errors import TransportError
from hub.transport.message import Delivery, Message, Settlement

__all__ = ["BlockingGetter"]

log = logging.getLogger("onepoint.transport")


class BlockingGetter:
    def __init__(self, urls: Sequence[str], retry: Callable[[Message, str], Future[None]]) -> None:
        self._nodes = blocking_nodes(urls)
        self._retry = retry
        self._lock = threading.Lock()
        self._connection: pika.BlockingConnection | None = None
        self._channel: Any = None

    def _open_channel(self) -> Any:
        if self._channel is not None and self._channel.is_open:
            return self._channel
        if self._connection is None or not self._connection.is_open:
            self._connection = open_blocking(self._nodes)
        self._channel = self._connection.channel()
        return self._channel

    def get(self, queue: str) -> Delivery | None:
        with self._lock:
            try:
                channel = self._open_channel()
                method, props, body = channel.basic_get(queue, auto_ack=False)
            except pika.exceptions.AMQPError as exc:
                self._reset()
                raise TransportError(f"basic.get on {queue}: {exc!r}") from exc
        if method is None:
            return None
        settle = partial(self._settle, channel, method.delivery_tag, queue)
        return Delivery(from_pika(method, props, body), queue, settle, self._retry)

    def _settle(self, channel: Any, tag: int, queue: str, how: Settlement) -> None:
        with self._lock:
            if channel is not self._channel or not channel.is_open:
                log.warning("settling a got message of a closed channel (it is redelivered)", extra={"queue": queue})
                return
            try:
                if how is Settlement.ACK:
                    channel.basic_ack(tag)
                elif how is Settlement.REQUEUE:
                    channel.basic_nack(tag, requeue=True)
                else:
                    channel.basic_reject(tag, requeue=False)
            except pika.exceptions.AMQPError as exc:
                self._reset()
                raise TransportError(f"settling a got message of {queue}: {exc!r}") from exc

    def _reset(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except pika.exceptions.AMQPError:
                log.debug("closing the get connection failed", exc_info=True)

    def close(self) -> None:
        with self._lock:
            self._reset()
