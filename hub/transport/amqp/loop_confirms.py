"""The publishing half of ``LoopPublisher`` (``hub.transport.amqp.loop_publisher``, which keeps the connection and
the channel): a publish goes into the `Outbox` as a ``PendingPublish`` with its deadline and an asyncio future,
is written while the confirm-mode channel is usable and the broker does not block the connection, and is resolved
by the broker's confirm (or return); a sweep on the loop fails what outlived its deadline.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pika.channel import Channel
from pika.spec import Basic

from hub.transport.amqp.ledger import PendingPublish
from hub.transport.amqp.nodes import blocked_reason
from hub.transport.amqp.outbox import Outbox
from hub.transport.amqp.properties import to_properties
from hub.transport.errors import PublisherUnavailableError, TransportClosedError, TransportError
from hub.transport.message import Message

__all__ = ["SWEEP_INTERVAL", "LoopConfirms"]

SWEEP_INTERVAL = 0.25


class LoopConfirms:
    """Publishes and their confirms on the loop; ``LoopPublisher.__init__`` sets these attributes."""

    loop: asyncio.AbstractEventLoop | None
    publish_timeout: float
    nack_pause: float
    recycles: int
    _exchanges: frozenset[str] | None
    _channel: Any  # pika Channel
    _ready: bool
    _recycling: bool
    _closed: bool
    _blocked: str | None
    _reopen_pause: float
    _sweeper: asyncio.TimerHandle | None
    _outbox: Outbox
    _published_at: float

    @property
    def ready(self) -> bool:
        """True while a confirm-mode channel is open (or reopening after a nack) and the broker does not block
        the connection."""
        return (self._ready or self._recycling) and self._blocked is None

    @property
    def unready_reason(self) -> str | None:
        """Why ``ready`` is false (None while it is true)."""
        if self.ready:
            return None
        if self._blocked is not None:
            return blocked_reason(self._blocked)
        return "publisher closed" if self._closed else "not connected to the broker"

    @property
    def resent(self) -> int:
        """Messages published again because their confirm was lost (reconnect or nack)."""
        return self._outbox.resent

    # -- publishing (one asyncio future per message) --------------------------------------------------------
    def publish(
        self, exchange: str, message: Message, *, mandatory: bool = True, fail_fast: bool = False
    ) -> asyncio.Future[None]:
        """``await publisher.publish(...)`` returns once the broker confirmed; errors: see ``Broker.publish``."""
        if self.loop is None:
            raise TransportClosedError("publisher not started")
        future: asyncio.Future[None] = self.loop.create_future()
        if self._closed:
            future.set_exception(TransportClosedError("publisher closed"))
        elif self._exchanges is not None and exchange not in self._exchanges:
            future.set_exception(TransportError(f"no exchange {exchange!r} in the topology"))
        elif fail_fast and not self.ready:
            future.set_exception(PublisherUnavailableError(f"{self.unready_reason}; nothing was sent"))
        else:
            self._published_at = self.loop.time()
            deadline = self._published_at + self.publish_timeout
            self._outbox.add(PendingPublish(exchange, message, to_properties(message), mandatory, future, deadline))
            self._pump()
        return future

    def _pump(self) -> None:
        """Write what waits, unless the channel is not usable or the broker blocks the connection."""
        if self._ready and self._blocked is None:
            self._outbox.send(self._channel)

    def _on_return(self, channel: Channel, method: Any, props: Any, _body: bytes) -> None:
        if channel is self._channel:
            self._outbox.returned(method.exchange, method.routing_key, props.message_id)

    def _on_confirm(self, channel: Channel, frame: Any) -> None:
        if channel is not self._channel:
            return
        method = frame.method
        assert self.loop is not None
        if not self._outbox.confirmed(method.delivery_tag, method.multiple, isinstance(method, Basic.Ack),
                                      self.loop.time()):
            self._pump()
        elif not self._recycling and channel.is_open:
            self._recycling, self._ready = True, False
            self._reopen_pause = self._outbox.recycle_pause(self.nack_pause)
            self.recycles += 1
            channel.close()

    def _sweep(self) -> None:
        assert self.loop is not None
        self._outbox.expire(self.loop.time())
        if not self._ready:
            self._outbox.drop_settled_waiting()
        self._sweeper = self.loop.call_later(SWEEP_INTERVAL, self._sweep)

    def unconfirmed(self) -> int:
        return self._outbox.unconfirmed()
