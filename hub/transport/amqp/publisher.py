"""Pipelined publishing with confirms on one channel, driven by the I/O thread (for callers on any thread).

The rules (persistent, mandatory unless asked, ``max_in_flight``, a full queue's nack → ``QueueFullError``, other
nacks → new channel after a pause and resend, resend after a reconnect, deadlines) are the `Outbox`'s; this class
feeds it from any thread (one
I/O-thread wake-up per burst of publishes), drives its channel and runs a sweeper thread that fails the
publishes whose deadline passed while the broker was unreachable (the I/O loop does not run then). While RabbitMQ
blocks the connection (a memory or disk alarm) nothing is written: publishes wait for ``connection.unblocked``
or their deadline; those already written are confirmed when the alarm clears, or expire as outcome unknown.

The same channel consumes ``amq.rabbitmq.reply-to`` (direct reply-to) for ``Broker.request``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pika
from pika.channel import Channel

from hub.transport.amqp.io import IOThread
from hub.transport.amqp.ledger import PendingPublish
from hub.transport.amqp.outbox import BoundedQueuesOf, Outbox
from hub.transport.amqp.properties import from_pika, to_properties
from hub.transport.broker import DIRECT_REPLY_TO
from hub.transport.errors import TransportClosedError
from hub.transport.message import Message

__all__ = ["ConfirmPublisher"]

log = logging.getLogger("onepoint.transport")

SWEEP_INTERVAL = 0.25


class ConfirmPublisher:
    def __init__(
        self,
        io: IOThread,
        on_reply: Callable[[Message], object],
        max_in_flight: int = 1000,
        publish_timeout: float = 30.0,
        nack_pause: float = 0.2,
        bounded: BoundedQueuesOf | None = None,
    ) -> None:
        self._io = io
        self._on_reply = on_reply
        self.publish_timeout = publish_timeout
        self.nack_pause = nack_pause
        self._channel: Channel | None = None
        self._ready = False
        self._recycling = False
        self._outbox = Outbox(max_in_flight, prune_on_ack=False, bounded=bounded)  # the sweeper thread prunes
        self._reopen_pause = nack_pause
        self._incoming: deque[PendingPublish] = deque()  # appended by any thread, drained on the I/O thread
        self._take_scheduled = False
        self._closed = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep, name="amqp-publish-deadlines", daemon=True)
        self._sweeper.start()

    @property
    def resent(self) -> int:
        return self._outbox.resent

    # -- any thread -----------------------------------------------------------------------------------
    def publish(self, exchange: str, message: Message, mandatory: bool) -> Future[None]:
        future: Future[None] = Future()
        future.set_running_or_notify_cancel()
        if self._closed.is_set():
            future.set_exception(TransportClosedError("broker closed"))
            return future
        deadline = time.monotonic() + self.publish_timeout
        pending = PendingPublish(exchange, message, to_properties(message), mandatory, future, deadline)
        self._outbox.track(pending)
        self._incoming.append(pending)
        if not self._take_scheduled:  # one wake-up for a whole burst of publishes
            self._take_scheduled = True
            self._io.call_soon(self._take)
        return future

    def _sweep(self) -> None:
        while not self._closed.wait(SWEEP_INTERVAL):
            self._outbox.expire(time.monotonic())

    # -- I/O thread -----------------------------------------------------------------------------------
    def on_connected(self, connection: pika.SelectConnection) -> None:
        self._open_channel(connection)

    def on_disconnected(self) -> None:
        self._outbox.channel_lost("connection lost", connection=True)
        self._channel = None
        self._ready = self._recycling = False

    def _open_channel(self, connection: pika.SelectConnection) -> None:
        if connection.is_open:
            connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: Channel) -> None:
        self._channel = channel
        self._outbox.ledger.new_channel()
        self._outbox.opened(time.monotonic())
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=lambda _: self._start_replies(channel))

    def _start_replies(self, channel: Channel) -> None:
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
        incoming, waiting = self._incoming, self._outbox.waiting
        while incoming:
            waiting.append(incoming.popleft())
        self._pump()

    def _pump(self) -> None:
        """Write what waits, unless the channel is not usable or the broker blocks the connection."""
        if self._ready and self._channel is not None and self._io.blocked is None:
            self._outbox.send(self._channel)

    def on_unblocked(self) -> None:
        self._pump()

    def _on_return(self, _ch: Channel, method: Any, props: pika.BasicProperties, _body: bytes) -> None:
        self._outbox.returned(method.exchange, method.routing_key, props.message_id)

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        if not self._outbox.confirmed(method.delivery_tag, method.multiple, isinstance(method, pika.spec.Basic.Ack),
                                      time.monotonic()):
            self._pump()
            return
        channel = self._channel
        if not self._recycling and channel is not None:
            self._recycling, self._ready = True, False
            self._reopen_pause = self._outbox.recycle_pause(self.nack_pause)
            if channel.is_open:
                channel.close()

    def _on_channel_closed(self, channel: Channel, reason: BaseException) -> None:
        if channel is not self._channel:
            return
        self._ready = False
        self._channel = None
        self._outbox.channel_lost(f"channel closed: {reason!r}")
        connection = self._io.connection
        if connection is None or not connection.is_open or self._closed.is_set():
            return  # the I/O thread reconnects and calls on_connected
        pause = self.nack_pause
        if self._recycling:
            pause = self._reopen_pause
        else:
            log.warning("publishing channel closed by the broker", extra={"reason": repr(reason)})
        self._io.call_later(pause, lambda: self._open_channel(connection))

    # -- shutdown -------------------------------------------------------------------------------------
    def in_flight(self) -> int:
        return len(self._outbox) + len(self._incoming)

    def close(self) -> None:
        """Fail whatever is still unconfirmed (call after the I/O thread stopped)."""
        self._closed.set()
        self._incoming.clear()  # each is in the outbox's by-age list too
        self._outbox.fail_all(TransportClosedError("broker closed before the publish was confirmed"))
