"""Pipelined publishing with confirms on one channel, driven by the I/O thread.

Every publish is ``mandatory`` (unless asked otherwise) and persistent. Up to ``max_in_flight`` messages
await their confirm at once. A ``basic.return`` marks the in-flight message it belongs to, whose ack then
fails its Future with ``UnroutableError``.

On a nack (RabbitMQ 3.10.8 can nack every publish on a channel after a quorum leader failover) the
channel is closed, a new one opened after ``nack_pause`` seconds and everything unconfirmed resent, until
each message's deadline (``publish_timeout``); then its Future fails with ``PublishNackedError``. When the
connection is lost, every unconfirmed message is resent after the reconnect (duplicates are possible:
consumers deduplicate by message id). A sweeper thread fails Futures whose deadline passed while the
broker was unreachable, with ``PublishTimeoutError``.

The same channel consumes ``amq.rabbitmq.reply-to`` (direct reply-to) for ``Broker.request``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from typing import Any

import pika
from pika.channel import Channel

from hub.transport.amqp.codec import from_pika, to_properties
from hub.transport.amqp.io import IOThread
from hub.transport.amqp.ledger import ConfirmLedger
from hub.transport.broker import DIRECT_REPLY_TO
from hub.transport.errors import (
    PublishNackedError,
    PublishTimeoutError,
    TransportClosedError,
    UnroutableError,
)
from hub.transport.message import Message

__all__ = ["ConfirmPublisher"]

log = logging.getLogger("onepoint.transport")


@dataclass(slots=True, eq=False)
class _Pending:
    exchange: str
    message: Message
    properties: pika.BasicProperties
    mandatory: bool
    future: Future[None]
    deadline: float
    returned: bool = False
    nacked: bool = False
    sends: int = 0


def _settle(future: Future[None], error: BaseException | None = None) -> None:
    try:
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
    except InvalidStateError:
        pass  # already failed by its deadline (or the reverse): the first outcome stands


class ConfirmPublisher:
    def __init__(
        self,
        io: IOThread,
        on_reply: Callable[[Message], object],
        max_in_flight: int = 1000,
        publish_timeout: float = 30.0,
        nack_pause: float = 0.2,
    ) -> None:
        self._io = io
        self._on_reply = on_reply
        self.max_in_flight = max_in_flight
        self.publish_timeout = publish_timeout
        self.nack_pause = nack_pause
        self._channel: Channel | None = None
        self._ready = False
        self._recycling = False
        self._waiting: deque[_Pending] = deque()
        self._in_flight: ConfirmLedger[_Pending] = ConfirmLedger()
        self._by_age: deque[_Pending] = deque()
        self._incoming: deque[_Pending] = deque()  # appended by any thread, drained on the I/O thread
        self._take_scheduled = False
        self._closed = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep, name="amqp-publish-deadlines", daemon=True)
        self._sweeper.start()
        self.resent = 0

    # -- any thread -----------------------------------------------------------------------------------
    def publish(self, exchange: str, message: Message, mandatory: bool) -> Future[None]:
        future: Future[None] = Future()
        future.set_running_or_notify_cancel()
        if self._closed.is_set():
            future.set_exception(TransportClosedError("broker closed"))
            return future
        deadline = time.monotonic() + self.publish_timeout
        pending = _Pending(exchange, message, to_properties(message), mandatory, future, deadline)
        self._by_age.append(pending)
        self._incoming.append(pending)
        if not self._take_scheduled:  # one wake-up for a whole burst of publishes
            self._take_scheduled = True
            self._io.call_soon(self._take)
        return future

    def _sweep(self) -> None:
        while not self._closed.wait(0.25):
            now = time.monotonic()
            while self._by_age and (self._by_age[0].future.done() or self._by_age[0].deadline <= now):
                p = self._by_age.popleft()
                if not p.future.done():
                    kind = PublishNackedError if p.nacked else PublishTimeoutError
                    _settle(p.future, kind(f"message {p.message.message_id} not confirmed in time"))

    # -- I/O thread -----------------------------------------------------------------------------------
    def on_connected(self, connection: pika.SelectConnection) -> None:
        self._open_channel(connection)

    def on_disconnected(self) -> None:
        self.resent += self._in_flight.requeue_unconfirmed(self._waiting, "connection lost")
        self._channel = None
        self._ready = False

    def _open_channel(self, connection: pika.SelectConnection) -> None:
        if not connection.is_open:
            return
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: Channel) -> None:
        self._channel = channel
        self._in_flight.new_channel()
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=lambda _: self._start_replies())

    def _start_replies(self) -> None:
        channel = self._channel
        assert channel is not None
        channel.basic_consume(
            DIRECT_REPLY_TO, self._on_reply_message, auto_ack=True, callback=lambda _: self._channel_ready()
        )

    def _channel_ready(self) -> None:
        self._ready = True
        self._recycling = False
        self._pump()

    def _on_reply_message(self, _ch: Channel, method: Any, props: pika.BasicProperties, body: bytes) -> None:
        self._on_reply(from_pika(method, props, body))

    def _take(self) -> None:
        self._take_scheduled = False  # first: a publish racing with this drain schedules another
        incoming, waiting = self._incoming, self._waiting
        while incoming:
            waiting.append(incoming.popleft())
        if self._ready:
            self._pump()

    def _pump(self) -> None:
        channel = self._channel
        while self._ready and channel is not None and self._waiting and len(self._in_flight) < self.max_in_flight:
            p = self._waiting.popleft()
            if p.future.done():
                continue
            p.sends += 1
            channel.basic_publish(
                p.exchange, p.message.routing_key, p.message.body, p.properties, mandatory=p.mandatory
            )
            self._in_flight.sent(p)

    def _on_return(self, _ch: Channel, method: Any, props: pika.BasicProperties, _body: bytes) -> None:
        if not self._in_flight.mark_returned(method.exchange, method.routing_key, props.message_id):
            log.warning("basic.return for no in-flight message", extra={"message_id": props.message_id})

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        done = self._in_flight.confirmed(method.delivery_tag, method.multiple)
        if isinstance(method, pika.spec.Basic.Ack):
            for p in done:
                error = UnroutableError(p.exchange, p.message.routing_key, p.message.message_id)
                _settle(p.future, error if p.returned else None)
            self._pump()
            return
        # Nack: never retry on the same channel (RabbitMQ 3.10.8 quorum failover bug).
        for p in done:
            p.nacked = True
        log.warning("publish nacked; recycling the channel", extra={"nacked": len(done)})
        self._waiting.extendleft(reversed(done))
        self._recycle()

    def _recycle(self) -> None:
        channel = self._channel
        if self._recycling or channel is None:
            return
        self._recycling = True
        self._ready = False
        if channel.is_open:
            channel.close()

    def _on_channel_closed(self, channel: Channel, reason: BaseException) -> None:
        if channel is not self._channel:
            return
        self._ready = False
        self._channel = None
        self.resent += self._in_flight.requeue_unconfirmed(self._waiting, f"channel closed: {reason!r}")
        connection = self._io.connection
        if connection is None or not connection.is_open or self._closed.is_set():
            return  # the I/O thread reconnects and calls on_connected
        if not self._recycling:
            log.warning("publishing channel closed by the broker", extra={"reason": repr(reason)})
        self._io.call_later(self.nack_pause, lambda: self._open_channel(connection))

    # -- shutdown -------------------------------------------------------------------------------------
    def in_flight(self) -> int:
        return len(self._in_flight) + len(self._waiting) + len(self._incoming)

    def close(self) -> None:
        """Fail whatever is still unconfirmed (call after the I/O thread stopped)."""
        self._closed.set()
        for p in [*self._in_flight.clear(), *self._waiting, *self._incoming, *self._by_age]:
            _settle(p.future, TransportClosedError("broker closed before the publish was confirmed"))
        self._waiting.clear()
        self._incoming.clear()
        self._by_age.clear()
