"""One consumer on its own channel (prefetch, manual settlement), reopened after reconnects."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from typing import Any

import pika

from hub.transport.amqp.codec import from_pika
from hub.transport.amqp.io import IOThread
from hub.transport.consumer import Consumer
from hub.transport.message import Delivery, Handler, Message, Settlement

__all__ = ["Subscription"]

log = logging.getLogger(__name__)


class Subscription:
    """Connects a ``Consumer`` (worker threads) to a channel. Acks for a channel that is gone are dropped:
    the broker has already returned those messages to the queue and will deliver them again."""

    def __init__(
        self,
        io: IOThread,
        queue: str,
        handler: Handler,
        prefetch: int,
        concurrency: int,
        retry: Callable[[Message, str], Future[None]],
        on_closed: Callable[[Subscription], None],
    ) -> None:
        self._io = io
        self.queue = queue
        self.prefetch = prefetch
        self._retry = retry
        self._on_closed = on_closed
        self._channel: Any = None
        self._consumer_tag: str | None = None
        self._active = True
        self.consumer = Consumer(queue, handler, concurrency, self._stop_deliveries, self._release)

    # -- I/O thread -----------------------------------------------------------------------------------
    def on_connected(self, connection: pika.SelectConnection) -> None:
        if self._active and connection.is_open:
            connection.channel(on_open_callback=self._on_channel_open)

    def on_disconnected(self) -> None:
        self._channel = None
        self._consumer_tag = None

    def _on_channel_open(self, channel: Any) -> None:
        if not self._active:
            channel.close()
            return
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.basic_qos(prefetch_count=self.prefetch, callback=lambda _: self._start(channel))

    def _start(self, channel: Any) -> None:
        if channel is self._channel and channel.is_open and self._active:
            self._consumer_tag = channel.basic_consume(self.queue, self._on_message, auto_ack=False)

    def _on_channel_closed(self, channel: Any, reason: BaseException) -> None:
        if channel is not self._channel:
            return
        self._channel = None
        self._consumer_tag = None
        connection = self._io.connection
        if self._active and connection is not None and connection.is_open:
            log.warning("consumer channel closed; reopening", extra={"queue": self.queue, "reason": repr(reason)})
            self._io.call_later(1.0, lambda: self.on_connected(connection))

    def _on_message(self, channel: Any, method: Any, props: pika.BasicProperties, body: bytes) -> None:
        message = from_pika(method, props, body)
        settle = partial(self._settle_threadsafe, channel, method.delivery_tag)
        self.consumer.dispatch(Delivery(message, self.queue, settle, self._retry))

    def _settle_threadsafe(self, channel: Any, tag: int, how: Settlement) -> None:
        self._io.call_soon(lambda: self._settle(channel, tag, how))

    def _settle(self, channel: Any, tag: int, how: Settlement) -> None:
        if channel is not self._channel or not channel.is_open:
            log.warning("settling a delivery of a closed channel (it is redelivered)", extra={"queue": self.queue})
            return
        if how is Settlement.ACK:
            channel.basic_ack(tag)
        elif how is Settlement.REQUEUE:
            channel.basic_nack(tag, requeue=True)
        else:
            channel.basic_reject(tag, requeue=False)

    # -- called by Consumer.close (caller thread) ------------------------------------------------------
    def _stop_deliveries(self) -> None:
        def cancel() -> None:
            if self._channel is not None and self._channel.is_open and self._consumer_tag is not None:
                self._channel.basic_cancel(self._consumer_tag)
            self._consumer_tag = None

        self._call(cancel)

    def _release(self) -> None:
        def close() -> None:
            self._active = False
            channel, self._channel = self._channel, None
            if channel is not None and channel.is_open:
                channel.close()

        self._call(close)
        self._on_closed(self)

    def _call(self, fn: Callable[[], None]) -> None:
        try:
            self._io.call(fn, timeout=10.0)
        except Exception as exc:
            log.warning("consumer control call failed", extra={"queue": self.queue, "error": repr(exc)})
