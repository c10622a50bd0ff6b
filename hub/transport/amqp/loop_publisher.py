"""``LoopPublisher``: confirmed publishing on the caller's own asyncio loop (pika ``AsyncioConnection``, one
socket write per loop iteration: ``CoalescingAsyncioConnection``). ``RabbitMQBroker.publish_async`` uses it
after ``await broker.start_loop()``.

No I/O thread, so no ``concurrent.futures.Future``/``wrap_future`` hand-off: a publish writes its frames into
pika's buffer (flushed when the socket is writable, so a burst leaves in a few writes) and returns an asyncio
future that the confirm resolves (one ``multiple`` ack resolves many). Use it from the loop that started it.

The confirm rules are the `Outbox`'s (as in the threaded ``ConfirmPublisher``); this class drives its
connection and channel on the loop: a lost connection is re-established on the next node address and every
unconfirmed message resent (duplicates possible: consumers deduplicate by message id). While disconnected
``ready`` is false and publishes wait (or fail at once with ``fail_fast=True``). It declares nothing.

While RabbitMQ blocks the connection (``connection.blocked``: a memory or disk alarm; it stops reading from the
socket until ``connection.unblocked``) ``ready`` is false too and nothing more is written: the publishes it had read
before blocking are failed at once as outcome unknown (``PublishOutcomeUnknownError``: they are stored, and carried
out, once the alarm clears). RabbitMQ blocks a connection only once it publishes, so while nothing is published for
``IDLE_PROBE_INTERVAL`` seconds the publisher sends a probe to ``probe_queue``, which drops it (`hub.transport.probe`):
an alarm is known, and ``ready`` false naming it, before a command is sacrificed to it. A channel recycled after a nack
(`Outbox`) is a pause, not an outage: ``ready`` stays true and publishes wait for the new channel.

This module keeps the connection and the channel; the publishes, their confirms and ``ready`` are its base
``LoopConfirms`` (``hub.transport.amqp.loop_confirms``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from typing import Any

from pika.channel import Channel

from hub.observability.quiet import QuietLog
from hub.transport.amqp.closing import close_connection
from hub.transport.amqp.loop_confirms import SWEEP_INTERVAL, LoopConfirms
from hub.transport.amqp.loop_connection import CoalescingAsyncioConnection
from hub.transport.amqp.nodes import ConnectionState, NodeAddresses, refused_by_broker
from hub.transport.amqp.outbox import BoundedQueuesOf, Outbox
from hub.transport.errors import (
    BrokerRefusedError,
    BrokerUnreachableError,
    PublisherUnavailableError,
    TransportClosedError,
    TransportError,
)
from hub.transport.probe import IDLE_PROBE_INTERVAL, PROBE_EXCHANGE, probe_message
from hub.transport.urls import node_urls

__all__ = ["LoopPublisher", "PublisherUnavailableError"]

log = logging.getLogger("onepoint.transport")


class LoopPublisher(LoopConfirms):
    def __init__(self, urls: str | Sequence[str], *, max_in_flight: int = 1000, publish_timeout: float = 30.0,
                 nack_pause: float = 0.2, connect_timeout: float = 30.0, exchanges: Collection[str] | None = None,
                 state: ConnectionState | None = None, bounded: BoundedQueuesOf | None = None,
                 probe_queue: str | None = None) -> None:
        self._nodes = NodeAddresses(node_urls(urls) if isinstance(urls, str) else urls)
        self._state = state if state is not None else ConnectionState()
        self.publish_timeout, self.nack_pause, self.connect_timeout = publish_timeout, nack_pause, connect_timeout
        # Publishing to a missing exchange makes RabbitMQ close the channel (404) with everything in flight.
        self._exchanges = None if exchanges is None else frozenset(exchanges)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._connection: Any = None
        self._channel: Any = None  # pika Channel
        self._ready = self._recycling = self._closed = self._ever_connected = False
        self._blocked: str | None = None  # the broker's reason while it blocks the connection
        self._reopen_pause = nack_pause
        self._start_error: BaseException | None = None
        self._timer: asyncio.TimerHandle | None = None  # the pending reconnect or channel reopen
        self._sweeper: asyncio.TimerHandle | None = None
        self._prober: asyncio.TimerHandle | None = None
        self._probe_queue = probe_queue  # None: no idle probes
        self._published_at = 0.0  # loop time of the last publish (a probe's too)
        self._opened, self._gone = asyncio.Event(), asyncio.Event()
        self._outbox = Outbox(max_in_flight, prune_on_ack=True, bounded=bounded)
        self._retries = QuietLog("broker connection attempt failed; trying again", 30.0, logger=log)
        self.reconnects = self.recycles = 0

    # -- connection and channel -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect on the running loop; raises ``TransportError`` if the first connection fails."""
        if self.loop is not None:
            raise TransportError("publisher already started")
        self.loop = asyncio.get_running_loop()
        self._sweeper = self.loop.call_later(SWEEP_INTERVAL, self._sweep)
        if self._probe_queue is not None:
            self._prober = self.loop.call_later(IDLE_PROBE_INTERVAL, self._probe_when_idle)
        self._connect()
        try:
            await asyncio.wait_for(self._opened.wait(), self.connect_timeout)
        except TimeoutError:
            self._start_error = TimeoutError(f"no confirm channel within {self.connect_timeout}s")
        if self._start_error is not None:
            await self.close(drain_timeout=0)
            reason = repr(self._start_error)
            kind = BrokerRefusedError if refused_by_broker(self._start_error) else BrokerUnreachableError
            raise kind(f"could not connect to the broker: {reason}") from self._start_error

    def _connect(self) -> None:
        self._timer = None
        if not self._closed:
            assert self.loop is not None
            connection = CoalescingAsyncioConnection(
                self._nodes.current, on_open_callback=self._on_open, on_open_error_callback=self._on_open_error,
                on_close_callback=self._on_close, custom_ioloop=self.loop,
            )
            connection.add_on_connection_blocked_callback(self._on_blocked)
            connection.add_on_connection_unblocked_callback(self._on_unblocked)
            self._connection = connection

    def _on_blocked(self, connection: Any, frame: Any) -> None:
        if connection is not self._connection:
            return
        self._blocked = str(getattr(frame.method, "reason", "") or "no reason given")
        failed = self._outbox.blocked(self._blocked)
        log.warning("broker blocks publishing: commands refused until it unblocks",
                    extra={"reason": self._blocked, "unknown_outcome": failed})

    def _on_unblocked(self, connection: Any, _frame: Any) -> None:
        if connection is not self._connection or self._blocked is None:
            return
        log.warning("broker unblocked publishing", extra={"reason": self._blocked})
        self._blocked = None
        self._pump()

    def _probe_when_idle(self) -> None:
        """Every ``IDLE_PROBE_INTERVAL``: a probe if nothing was published meanwhile (its outcome is not waited for:
        a block shows as ``connection.blocked``)."""
        assert self.loop is not None
        assert self._probe_queue is not None
        self._prober = self.loop.call_later(IDLE_PROBE_INTERVAL, self._probe_when_idle)
        if self.ready and not self.unconfirmed() and self.loop.time() - self._published_at >= IDLE_PROBE_INTERVAL:
            probe = self.publish(PROBE_EXCHANGE, probe_message(self._probe_queue), mandatory=False, fail_fast=True)
            probe.add_done_callback(lambda done: done.cancelled() or done.exception())

    def _later(self, delay: float, fn: Callable[..., None], *args: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()
        assert self.loop is not None
        self._timer = self.loop.call_later(delay, fn, *args)

    def _on_open(self, connection: Any) -> None:
        if self._ever_connected:
            self.reconnects += 1
        self._ever_connected = True
        self._nodes.connected()
        self._open_channel(connection)

    def _on_open_error(self, _connection: Any, error: BaseException) -> None:
        if self._closed:
            self._gone.set()
        elif not self._ever_connected and self._nodes.tried_all():
            self._start_error = error
            self._opened.set()
        else:
            self._reconnect_later(error)

    def _on_close(self, _connection: Any, reason: BaseException) -> None:
        self._ready = self._recycling = False
        self._channel, self._blocked = None, None
        self._outbox.channel_lost("connection lost", connection=True)
        if self._closed:
            self._gone.set()
        else:
            self._state.lost("loop-publisher", self._nodes.describe(), reason)
            self._reconnect_later(reason)

    def _reconnect_later(self, why: BaseException) -> None:
        node = self._nodes.describe()
        delay = self._nodes.failed()
        self._retries.warn(node=node, reason=repr(why), next=self._nodes.describe())
        self._later(delay, self._connect)

    def _open_channel(self, connection: Any) -> None:
        if connection is self._connection and connection.is_open and not self._closed:
            connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: Channel) -> None:
        self._channel = channel
        self._outbox.ledger.new_channel()
        assert self.loop is not None
        self._outbox.opened(self.loop.time())
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=lambda frame: self._on_confirm(channel, frame),
                                 callback=lambda _frame: self._on_confirm_mode(channel))

    def _on_confirm_mode(self, channel: Channel) -> None:
        if channel is self._channel:
            self._ready, self._recycling = True, False
            self._opened.set()
            self._state.back("loop-publisher", self._nodes.describe())
            self._pump()

    def _on_channel_closed(self, channel: Channel, reason: BaseException) -> None:
        if channel is not self._channel:
            return
        self._ready, self._channel = False, None
        self._outbox.channel_lost(f"channel closed: {reason!r}")
        connection = self._connection
        if self._closed or connection is None or not connection.is_open:
            return  # the connection's close callback reconnects
        pause = self.nack_pause
        if self._recycling:
            pause = self._reopen_pause
        else:  # e.g. 404 (exchange deleted): its publishes are resent until their deadline
            log.warning("publishing channel closed by the broker", extra={"reason": repr(reason)})
        self._later(pause, self._open_channel, connection)

    # -- shutdown -------------------------------------------------------------------------------------------
    async def close(self, drain_timeout: float = 5.0) -> None:
        """Refuse new publishes, wait up to ``drain_timeout`` for confirms, close; the rest fail (closed)."""
        already, self._closed = self._closed, True
        if already or self.loop is None:
            return
        end = self.loop.time() + drain_timeout
        while self._ready and self.unconfirmed() and self.loop.time() < end:
            await asyncio.sleep(0.02)
        self._ready = self._recycling = False
        for handle in (self._timer, self._sweeper, self._prober):
            if handle is not None:
                handle.cancel()
        connection = self._connection
        if connection is not None and not connection.is_closed:
            if not connection.is_closing:
                close_connection(connection, self._blocked)  # a blocked one is dropped: no Close-Ok would come
            try:
                await asyncio.wait_for(self._gone.wait(), 10.0)
            except TimeoutError:
                log.warning("broker connection did not close in time")
        self._outbox.fail_all(TransportClosedError("publisher closed before the publish was confirmed"))
        self._state.forget("loop-publisher")
        log.info("loop publisher closed", extra={"reconnects": self.reconnects, "resent": self.resent})
