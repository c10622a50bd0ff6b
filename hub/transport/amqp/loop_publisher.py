"""``LoopPublisher``: confirmed publishing on the caller's own asyncio loop (pika ``AsyncioConnection``, one
socket write per loop iteration: ``CoalescingAsyncioConnection``).

No I/O thread, so no ``concurrent.futures.Future``/``wrap_future`` hand-off: a publish writes its frames into
pika's buffer (flushed when the socket is writable, so a burst leaves in a few writes) and returns an asyncio
future that the confirm resolves (one ``multiple`` ack resolves many). Use it from the loop that started it.

Rules as in the threaded ``ConfirmPublisher``: persistent, mandatory unless asked (``basic.return`` + ack →
``UnroutableError``), up to ``max_in_flight`` unconfirmed. A nack closes the channel; a new one opens after
``nack_pause`` and the unconfirmed messages are resent (RabbitMQ 3.10.8 can nack every publish on a channel after
a quorum leader failover) until their deadline (``PublishNackedError``). A lost connection is re-established with
backoff and every unconfirmed message resent (duplicates possible: consumers deduplicate by message id). What
is not confirmed by its deadline fails with ``PublishTimeoutError``. While disconnected ``ready`` is false and
publishes wait (or fail at once with ``fail_fast=True``). It declares nothing: the ``Broker`` does that.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions
from pika.channel import Channel

from hub.transport.amqp.codec import to_properties
from hub.transport.amqp.io import backoff
from hub.transport.amqp.ledger import ConfirmLedger
from hub.transport.amqp.loop_connection import CoalescingAsyncioConnection
from hub.transport.errors import (
    PublishNackedError,
    PublishTimeoutError,
    TransportClosedError,
    TransportError,
    UnroutableError,
)
from hub.transport.message import Message

__all__ = ["LoopPublisher", "PublisherUnavailableError"]

log = logging.getLogger("onepoint.transport")

SWEEP_INTERVAL = 0.25


class PublisherUnavailableError(TransportError, ConnectionError):
    """A ``fail_fast`` publish while the publisher is not connected: nothing was sent."""


@dataclass(slots=True, eq=False)
class _Pending:
    exchange: str
    message: Message
    properties: pika.BasicProperties
    mandatory: bool
    future: asyncio.Future[None]
    deadline: float
    returned: bool = False
    nacked: bool = False


def _settle(future: asyncio.Future[None], error: BaseException | None = None) -> None:
    if future.done():  # failed by its deadline, or cancelled by the caller: the first outcome stands
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


class LoopPublisher:
    def __init__(self, url: str, *, max_in_flight: int = 1000, publish_timeout: float = 30.0, nack_pause: float = 0.2,
                 connect_timeout: float = 30.0, exchanges: Collection[str] | None = None) -> None:
        self._params = pika.URLParameters(url)
        self.max_in_flight, self.publish_timeout = max_in_flight, publish_timeout
        self.nack_pause, self.connect_timeout = nack_pause, connect_timeout
        # Publishing to a missing exchange makes RabbitMQ close the channel (404) with everything in flight.
        self._exchanges = None if exchanges is None else frozenset(exchanges)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connection: Any = None
        self._channel: Any = None  # pika Channel
        self._ready = self._recycling = self._closed = self._ever_connected = False
        self._start_error: BaseException | None = None
        self._attempt = 0
        self._timer: asyncio.TimerHandle | None = None  # the pending reconnect or channel reopen
        self._sweeper: asyncio.TimerHandle | None = None
        self._opened, self._gone = asyncio.Event(), asyncio.Event()
        self._waiting: deque[_Pending] = deque()  # not sent yet (or to resend), oldest first
        self._in_flight: ConfirmLedger[_Pending] = ConfirmLedger()  # delivery tag → publish on this channel
        self._by_age: deque[_Pending] = deque()  # every unsettled publish, by deadline
        self.reconnects = self.resent = self.recycles = 0

    @property
    def ready(self) -> bool:
        """True while a confirm-mode channel is open."""
        return self._ready

    # -- publishing (one asyncio future per message) --------------------------------------------------------
    def publish(
        self, exchange: str, message: Message, *, mandatory: bool = True, fail_fast: bool = False
    ) -> asyncio.Future[None]:
        """``await publisher.publish(...)`` returns once the broker confirmed; errors: see the module doc."""
        if self._loop is None:
            raise TransportClosedError("publisher not started")
        future: asyncio.Future[None] = self._loop.create_future()
        if self._closed:
            future.set_exception(TransportClosedError("publisher closed"))
        elif self._exchanges is not None and exchange not in self._exchanges:
            future.set_exception(TransportError(f"no exchange {exchange!r} in the topology"))
        elif fail_fast and not self._ready:
            future.set_exception(PublisherUnavailableError("not connected to the broker; nothing was sent"))
        else:
            deadline = self._loop.time() + self.publish_timeout
            p = _Pending(exchange, message, to_properties(message), mandatory, future, deadline)
            self._by_age.append(p)
            self._waiting.append(p)
            if self._ready:
                self._pump()
        return future

    def _pump(self) -> None:
        channel, waiting, in_flight = self._channel, self._waiting, self._in_flight
        if channel is None:
            return
        room = self.max_in_flight - len(in_flight)
        while room > 0 and waiting and self._ready:
            p = waiting.popleft()
            if p.future.done():
                continue
            try:
                channel.basic_publish(p.exchange, p.message.routing_key, p.message.body, p.properties, p.mandatory)
            except pika.exceptions.AMQPError:  # the channel is going away: its close callback follows
                waiting.appendleft(p)
                return
            in_flight.sent(p)
            room -= 1

    def _on_return(self, channel: Channel, method: Any, props: pika.BasicProperties, _body: bytes) -> None:
        if channel is not self._channel:
            return
        if not self._in_flight.mark_returned(method.exchange, method.routing_key, props.message_id):
            log.warning("basic.return for no in-flight message", extra={"message_id": props.message_id})

    def _on_confirm(self, channel: Channel, frame: Any) -> None:
        if channel is not self._channel:
            return
        method = frame.method
        done = self._in_flight.confirmed(method.delivery_tag, method.multiple)
        if isinstance(method, pika.spec.Basic.Ack):
            for p in done:
                error = UnroutableError(p.exchange, p.message.routing_key, p.message.message_id) if p.returned else None
                _settle(p.future, error)
            by_age = self._by_age
            while by_age and by_age[0].future.done():  # forget them now, while they are still in the CPU's cache
                by_age.popleft()
            self._pump()
            return
        for p in done:  # nack: never retry on the same channel (RabbitMQ 3.10.8 quorum failover bug)
            p.nacked = True
        log.warning("publish nacked; recycling the channel", extra={"nacked": len(done)})
        self._waiting.extendleft(reversed(done))
        if not self._recycling and channel.is_open:
            self._recycling, self._ready = True, False
            self.recycles += 1
            channel.close()

    def _sweep(self) -> None:
        assert self._loop is not None
        now, by_age = self._loop.time(), self._by_age
        while by_age and (by_age[0].future.done() or by_age[0].deadline <= now):
            p = by_age.popleft()
            if not p.future.done():  # most were confirmed: build no error for them
                kind = PublishNackedError if p.nacked else PublishTimeoutError
                _settle(p.future, kind(f"message {p.message.message_id} not confirmed in time"))
        if not self._ready and self._waiting:  # drop what expired while the broker was away
            self._waiting = deque(p for p in self._waiting if not p.future.done())
        self._sweeper = self._loop.call_later(SWEEP_INTERVAL, self._sweep)

    # -- connection and channel -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect on the running loop; raises ``TransportError`` if the first connection fails."""
        if self._loop is not None:
            raise TransportError("publisher already started")
        self._loop = asyncio.get_running_loop()
        self._sweeper = self._loop.call_later(SWEEP_INTERVAL, self._sweep)
        self._connect()
        try:
            await asyncio.wait_for(self._opened.wait(), self.connect_timeout)
        except TimeoutError:
            self._start_error = TimeoutError(f"no confirm channel within {self.connect_timeout}s")
        if self._start_error is not None:
            await self.close(drain_timeout=0)
            raise TransportError(f"could not connect to the broker: {self._start_error!r}") from self._start_error

    def _connect(self) -> None:
        self._timer = None
        if not self._closed:
            assert self._loop is not None
            self._connection = CoalescingAsyncioConnection(
                self._params, on_open_callback=self._on_open, on_open_error_callback=self._on_open_error,
                on_close_callback=self._on_close, custom_ioloop=self._loop,
            )

    def _later(self, delay: float, fn: Callable[..., None], *args: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()
        assert self._loop is not None
        self._timer = self._loop.call_later(delay, fn, *args)

    def _on_open(self, connection: Any) -> None:
        if self._ever_connected:
            self.reconnects += 1
            log.warning("broker connection re-established", extra={"reconnects": self.reconnects})
        self._ever_connected, self._attempt = True, 0
        self._open_channel(connection)

    def _on_open_error(self, _connection: Any, error: BaseException) -> None:
        if self._closed:
            self._gone.set()
        elif not self._ever_connected:
            self._start_error = error
            self._opened.set()
        else:
            self._reconnect_later(error)

    def _on_close(self, _connection: Any, reason: BaseException) -> None:
        self._ready, self._channel = False, None
        self.resent += self._in_flight.requeue_unconfirmed(self._waiting, "connection lost")
        if self._closed:
            self._gone.set()
        else:
            self._reconnect_later(reason)

    def _reconnect_later(self, why: BaseException) -> None:
        delay = backoff(self._attempt)
        self._attempt += 1
        log.warning("broker connection lost; reconnecting",
                    extra={"reason": repr(why), "delay_s": round(delay, 2), "attempt": self._attempt})
        self._later(delay, self._connect)

    def _open_channel(self, connection: Any) -> None:
        if connection is self._connection and connection.is_open and not self._closed:
            connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: Channel) -> None:
        self._channel = channel
        self._in_flight.new_channel()
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=lambda frame: self._on_confirm(channel, frame),
                                 callback=lambda _frame: self._on_confirm_mode(channel))

    def _on_confirm_mode(self, channel: Channel) -> None:
        if channel is self._channel:
            self._ready, self._recycling = True, False
            self._opened.set()
            self._pump()

    def _on_channel_closed(self, channel: Channel, reason: BaseException) -> None:
        if channel is not self._channel:
            return
        self._ready, self._channel = False, None
        self.resent += self._in_flight.requeue_unconfirmed(self._waiting, f"channel closed: {reason!r}")
        connection = self._connection
        if self._closed or connection is None or not connection.is_open:
            return  # the connection's close callback reconnects
        if not self._recycling:  # e.g. 404 (exchange deleted): its publishes are resent until their deadline
            log.warning("publishing channel closed by the broker", extra={"reason": repr(reason)})
        self._later(self.nack_pause, self._open_channel, connection)

    # -- shutdown -------------------------------------------------------------------------------------------
    def unconfirmed(self) -> int:
        return sum(not p.future.done() for p in self._by_age)

    async def close(self, drain_timeout: float = 5.0) -> None:
        """Refuse new publishes, wait up to ``drain_timeout`` for confirms, close; the rest fail (closed)."""
        already, self._closed = self._closed, True
        if already or self._loop is None:
            return
        end = self._loop.time() + drain_timeout
        while self._ready and self.unconfirmed() and self._loop.time() < end:
            await asyncio.sleep(0.02)
        self._ready = False
        for handle in (self._timer, self._sweeper):
            if handle is not None:
                handle.cancel()
        connection = self._connection
        if connection is not None and not connection.is_closed:
            if not connection.is_closing:
                connection.close()
            try:
                await asyncio.wait_for(self._gone.wait(), 10.0)
            except TimeoutError:
                log.warning("broker connection did not close in time")
        error = TransportClosedError("publisher closed before the publish was confirmed")
        for p in [*self._by_age, *self._waiting, *self._in_flight.clear()]:
            _settle(p.future, error)
        self._by_age.clear()
        self._waiting.clear()
        log.info("loop publisher closed", extra={"reconnects": self.reconnects, "resent": self.resent})
