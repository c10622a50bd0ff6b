"""The ``Broker`` interface of the message backbone (``hub.transport.factory.open_broker`` opens one).

Publishing is confirmed: it resolves when the broker has stored the message in every queue it routes to.
Many publishes can be in flight at once, from any thread:

* sync code (worker threads): ``broker.publish(exchange, msg).result(timeout=10)``;
* asyncio code (the ingress): ``await broker.publish_async(exchange, msg)``; after ``await broker.start_loop()``
  an implementation may publish from the running loop itself (RabbitMQ does) instead of through a thread.

A mandatory publish that no queue takes fails its Future with ``UnroutableError``; it is never silent.
"""

from __future__ import annotations

import asyncio
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

from hub.transport.consumer import BatchConsumer, Consumer, ConsumerFactory
from hub.transport.errors import PublisherUnavailableError, TransportError
from hub.transport.message import BatchHandler, Delivery, Handler, Message
from hub.transport.topology import Topology, TopologyConfig

__all__ = ["DIRECT_REPLY_TO", "Broker"]

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"


class Broker(ABC):
    """A connection to the backbone. Thread-safe. Declares its topology when opened."""

    topology: Topology

    @property
    def config(self) -> TopologyConfig:
        return self.topology.config

    @abstractmethod
    def declare(self) -> None:
        """(Re)declare the topology. Idempotent; raises if an existing entity has other arguments."""

    @abstractmethod
    def publish(self, exchange: str, message: Message, *, mandatory: bool = True) -> Future[None]:
        """Publish a persistent message; the Future resolves once the broker confirms it.

        It fails with ``UnroutableError`` (mandatory and no queue matched), ``QueueFullError`` (a queue it reaches
        is at its max length: at once), ``PublishNackedError`` (the broker refused it until the deadline),
        ``PublishOutcomeUnknownError`` (written but not confirmed: it may be stored), ``PublishTimeoutError``
        (never written: nothing stored) or ``TransportClosedError``.
        """

    def publish_async(
        self, exchange: str, message: Message, *, mandatory: bool = True, fail_fast: bool = False
    ) -> asyncio.Future[None]:
        """``publish`` for asyncio callers: an asyncio future of the running loop, resolved by the confirm.

        ``fail_fast``: while ``ready()`` is false, fail at once with ``PublisherUnavailableError`` (nothing sent)
        instead of waiting for the connection. Call from a running loop.
        """
        if fail_fast and not self.ready():
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            future.set_exception(PublisherUnavailableError("not connected to the broker; nothing was sent"))
            return future
        return asyncio.wrap_future(self.publish(exchange, message, mandatory=mandatory))

    async def start_loop(self) -> None:
        """Let ``publish_async`` publish from the running event loop, if the implementation can (else nothing)."""
        return None

    async def stop_loop(self) -> None:
        """Undo ``start_loop`` (waiting briefly for its confirms); call from the same loop before ``close()``."""
        return None

    def consume(self, queue: str, handler: Handler, *, prefetch: int = 64, concurrency: int = 1) -> Consumer:
        """Deliver ``queue``'s messages to ``handler`` (on worker threads) with manual settlement."""

        def make(name: str, threads: int, stop: Callable[[], None], release: Callable[[], None]) -> Consumer:
            return Consumer(name, handler, threads, stop, release)

        return self._consume(queue, make, prefetch=prefetch, concurrency=concurrency)

    inline_delivery = False
    """True if ``consume_batches(inline=True)`` runs handlers on the thread that reads deliveries."""

    def consume_batches(
        self,
        queue: str,
        handler: BatchHandler,
        *,
        max_batch: int = 64,
        prefetch: int = 256,
        concurrency: int = 1,
        inline: bool = False,
    ) -> Consumer:
        """Like ``consume``, but ``handler`` gets every delivery that is waiting, up to ``max_batch``, as a list.

        For handlers whose effects are local: run them in one transaction, commit once, then ack each
        (``hub.store.process_batch_once`` does exactly that). Keep ``prefetch`` above ``max_batch``.

        ``inline=True`` runs the handler on the thread that reads the deliveries (RabbitMQ: the connection's
        I/O thread) with no hand-off to a worker thread: about 20 µs less CPU per message, measured. While it
        runs, that connection neither reads nor writes (confirms and heartbeats wait), so use it only for short
        local handlers, in a process of their own (``onepoint worker``), never for calls to other systems.
        ``concurrency`` does not apply then. ``memory://`` always runs batches on a worker thread.
        """
        inline = inline and self.inline_delivery

        def make(name: str, threads: int, stop: Callable[[], None], release: Callable[[], None]) -> Consumer:
            return BatchConsumer(name, handler, threads, stop, release, max_batch=max_batch, inline=inline)

        return self._consume(queue, make, prefetch=prefetch, concurrency=concurrency)

    @abstractmethod
    def _consume(self, queue: str, make: ConsumerFactory, *, prefetch: int, concurrency: int) -> Consumer:
        """Subscribe to ``queue``; ``make`` builds the consumer handle that runs the handler."""

    def get(self, queue: str) -> Delivery | None:
        """Take one ready message of ``queue`` (``basic.get``) for manual settlement; None if it is empty.

        For tools (DLQ browsing), not for consuming: settle the delivery exactly once, as a consumer would.
        """
        raise NotImplementedError(f"{type(self).__name__} does not support get()")

    @abstractmethod
    def _request(self, exchange: str, message: Message, timeout: float) -> Future[Message]: ...

    def request(
        self, exchange: str, message: Message, *, timeout: float = 5.0, mandatory: bool = True
    ) -> Future[Message]:
        """Send a request and return a Future of its reply (matched by correlation id).

        The Future fails with ``RequestTimeoutError`` after ``timeout`` seconds; a reply arriving later is
        dropped. The request itself is published with confirm; an unroutable request fails the Future.
        """
        if not mandatory:
            raise ValueError("requests are always mandatory: an unroutable request could only time out")
        cid = message.correlation_id or uuid.uuid4().hex
        return self._request(exchange, replace(message, correlation_id=cid, reply_to=DIRECT_REPLY_TO), timeout)

    def reply(self, request: Message, body: bytes, **fields: Any) -> Future[None]:
        """Answer ``request`` (to its ``reply_to``, with its correlation id). A gone requester drops it."""
        if not request.reply_to:
            raise ValueError(f"message {request.message_id} asked for no reply")
        message = Message(body=body, routing_key=request.reply_to, correlation_id=request.correlation_id, **fields)
        return self.publish("", message, mandatory=False)

    @abstractmethod
    def message_count(self, queue: str) -> int:
        """Messages ready in ``queue`` (not counting unacknowledged ones)."""

    def message_counts(self, queues: Iterable[str]) -> dict[str, int]:
        """``message_count`` of each of ``queues`` in one read where the broker can (one connection to RabbitMQ);
        a queue that cannot be read (not declared) is left out."""
        counts: dict[str, int] = {}
        for queue in queues:
            try:
                counts[queue] = self.message_count(queue)
            except (KeyError, TransportError):
                continue
        return counts

    def consumer_counts(self, queues: Iterable[str]) -> dict[str, int]:
        """How many consumers each of ``queues`` has (every process's, as the broker counts them), in one read where
        the broker can; a queue that cannot be read (not declared) is left out. Empty where the broker cannot say."""
        return {}

    def interrupted_consumers(self) -> dict[str, str]:
        """Queue → why: this process's consumers that the broker cancelled (their queue deleted, its node or leader
        changed) and that do not consume again yet, although connected. Empty while every consumer consumes."""
        return {}

    @abstractmethod
    def purge(self, queue: str) -> int:
        """Drop every ready message of ``queue``; returns how many."""

    @abstractmethod
    def ready(self) -> bool:
        """True while the publisher the caller would use is connected (with the topology declared) and the broker
        takes its publishes (RabbitMQ does not while a memory or disk alarm blocks the connection)."""

    def unready_reason(self) -> str | None:
        """Why ``ready()`` is false, for ``/readyz`` and refusals (e.g. ``publishing blocked by the broker: low on
        memory (a memory or disk alarm)``); None while it is true."""
        return None if self.ready() else "not connected to the broker"

    @property
    def failure(self) -> TransportError | None:
        """A permanent failure (e.g. the broker refused the topology as inequivalent after a reconnect): nothing
        more is consumed or published and no retry cures it; a worker process should exit. None while there is
        none."""
        return None

    @abstractmethod
    def close(self) -> None:
        """Close consumers and the connection; unconfirmed publishes fail with ``TransportClosedError``."""

    def __enter__(self) -> Broker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

