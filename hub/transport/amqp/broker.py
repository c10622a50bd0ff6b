"""``RabbitMQBroker``: the ``Broker`` interface over pika's ``SelectConnection`` on one I/O thread, and over
an ``AsyncioConnection`` on the caller's event loop for ``publish_async`` after ``start_loop()``.

Why one asynchronous connection: publisher confirms are the limit on durable publishing, so throughput
needs many confirms in flight; a ``SelectConnection`` on a dedicated thread pipelines them for every
caller (WSGI threads and asyncio alike) through one channel. Consumers get their own channels on the
same connection and run handlers on worker threads, so a slow handler never stalls heartbeats or
confirms. Topology declarations (`Declarations`) and queue inspection (`QueueReads`) use a short-lived
``BlockingConnection``: they are rare, synchronous by nature, and must raise to the caller. The ingress publishes from
its event loop instead (``LoopPublisher``): no thread hand-off per command (bench/README.md).

Every connection knows all node addresses of the URL and moves to the next one when its node goes.

``ready()`` is false while the caller's publishing connection is down or blocked by the broker (a memory or disk
alarm), and for good once the I/O thread met a permanent ``failure`` (its topology refused as inequivalent after
a reconnect); ``unready_reason()`` says which.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import replace

from hub.transport.amqp.bounded import BoundedQueues
from hub.transport.amqp.declarations import Declarations
from hub.transport.amqp.getter import BlockingGetter
from hub.transport.amqp.io import IOThread
from hub.transport.amqp.loop_publisher import LoopPublisher
from hub.transport.amqp.nodes import ConnectionState, NodeAddresses, blocked_reason, quiet_pika
from hub.transport.amqp.publisher import ConfirmPublisher
from hub.transport.amqp.queue_reads import QueueReads
from hub.transport.amqp.subscription import Subscription
from hub.transport.broker import Broker
from hub.transport.consumer import Consumer, ConsumerFactory
from hub.transport.errors import TransportClosedError, TransportError
from hub.transport.message import Delivery, Message
from hub.transport.rpc import PendingReplies
from hub.transport.scheduler import Scheduler
from hub.transport.topology import Topology
from hub.transport.urls import node_urls

__all__ = ["RabbitMQBroker"]

log = logging.getLogger("onepoint.transport")


class RabbitMQBroker(Broker):
    inline_delivery = True  # batch handlers may run on the I/O thread (consume_batches(inline=True))

    def __init__(
        self,
        urls: str | Sequence[str],
        topology: Topology,
        *,
        max_in_flight: int = 1000,
        publish_timeout: float = 30.0,
        nack_pause: float = 0.2,
        connect_timeout: float = 30.0,
        declare: bool = True,
    ) -> None:
        quiet_pika()
        self.topology = topology
        self._urls = tuple(node_urls(urls) if isinstance(urls, str) else urls)
        self._declarations = Declarations(self._urls, topology)  # the I/O thread's limits (before each connect)
        self._queue_reads = QueueReads(self._urls)  # the operator's: bounded handshake
        self._state = ConnectionState()
        self._max_in_flight, self._publish_timeout = max_in_flight, publish_timeout
        self._nack_pause, self._connect_timeout = nack_pause, connect_timeout
        self._loop_publisher: LoopPublisher | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._subscriptions: list[Subscription] = []
        self._scheduler = Scheduler("amqp-request-timeouts")
        self._replies = PendingReplies(self._scheduler)
        # declare=False (tools such as the DLQ CLI): use the deployed topology as it is, never redeclare it.
        self._io = IOThread(NodeAddresses(self._urls), self._state, prepare=self.declare if declare else lambda: None)
        self._getter = BlockingGetter(self._urls, self._retry)
        self._bounded = BoundedQueues(topology)  # a nack of a publish to one of them: the queue is full
        self._publisher = ConfirmPublisher(self._io, self._replies.resolve, max_in_flight, publish_timeout, nack_pause,
                                           bounded=self._bounded)
        self._io.add_listener(self._publisher)
        self._io.on_blocking(lambda _reason: None, self._publisher.on_unblocked)
        self._exchanges = {"", *(e.name for e in topology.exchanges)}
        try:
            self._io.start(connect_timeout)
        except BaseException:
            self._publisher.close()
            self._scheduler.close()
            raise

    # -- topology and inspection (blocking, short-lived connections: `Declarations`, `QueueReads`) -----------
    def declare(self) -> None:
        self._declarations.declare()

    def message_count(self, queue: str) -> int:
        return self._queue_reads.queue_op(queue, purge=False)

    def message_counts(self, queues: Iterable[str]) -> dict[str, int]:
        return self._queue_reads.message_counts(queues)

    def consumer_counts(self, queues: Iterable[str]) -> dict[str, int]:
        return self._queue_reads.consumer_counts(queues)

    def interrupted_consumers(self) -> dict[str, str]:
        with self._lock:
            subs = list(self._subscriptions)
        return {sub.queue: reason for sub in subs if (reason := sub.interrupted) is not None}

    def purge(self, queue: str) -> int:
        return self._queue_reads.queue_op(queue, purge=True)

    def get(self, queue: str) -> Delivery | None:
        return self._getter.get(queue)

    # -- publishing -----------------------------------------------------------------------------------
    def publish(self, exchange: str, message: Message, *, mandatory: bool = True) -> Future[None]:
        if exchange not in self._exchanges:
            # RabbitMQ would close the channel (404) and take every in-flight publish with it.
            future: Future[None] = Future()
            future.set_exception(TransportError(f"no exchange {exchange!r} in the topology"))
            return future
        return self._publisher.publish(exchange, message, mandatory)

    def publish_async(
        self, exchange: str, message: Message, *, mandatory: bool = True, fail_fast: bool = False
    ) -> asyncio.Future[None]:
        publisher = self._loop_publisher
        if publisher is not None and publisher.loop is asyncio.get_running_loop():
            return publisher.publish(exchange, message, mandatory=mandatory, fail_fast=fail_fast)
        return super().publish_async(exchange, message, mandatory=mandatory, fail_fast=fail_fast)

    async def start_loop(self) -> None:
        """Publish from the running loop (``publish_async``) on a connection of its own; idempotent."""
        loop = asyncio.get_running_loop()
        if self._loop_publisher is not None:
            if self._loop_publisher.loop is loop:
                return
            raise TransportError("the broker already publishes from another event loop")
        if self._closed:
            raise TransportClosedError("broker closed")
        publisher = LoopPublisher(
            self._urls, exchanges=self._exchanges, state=self._state, max_in_flight=self._max_in_flight,
            publish_timeout=self._publish_timeout, nack_pause=self._nack_pause, connect_timeout=self._connect_timeout,
            bounded=self._bounded, probe_queue=self.topology.config.probe_queue,
        )
        await publisher.start()
        self._loop_publisher = publisher

    async def stop_loop(self) -> None:
        publisher, self._loop_publisher = self._loop_publisher, None
        if publisher is not None:
            await publisher.close()

    def _request(self, exchange: str, message: Message, timeout: float) -> Future[Message]:
        assert message.correlation_id is not None
        cid = message.correlation_id
        reply = self._replies.register(cid, timeout)

        def published(f: Future[None]) -> None:
            error = f.exception()
            if error is not None:
                self._replies.fail(cid, error)

        self.publish(exchange, message).add_done_callback(published)
        return reply

    def _retry(self, message: Message, tier: str) -> Future[None]:
        return self.publish(self.config.delay_exchange(tier), replace(message, exchange=""))

    # -- consuming ------------------------------------------------------------------------------------
    def _consume(self, queue: str, make: ConsumerFactory, *, prefetch: int, concurrency: int) -> Consumer:
        with self._lock:
            if self._closed:
                raise TransportClosedError("broker closed")
            sub = Subscription(self._io, queue, make, prefetch, concurrency, self._retry, self._forget)
            self._subscriptions.append(sub)

        def attach() -> None:
            self._io.add_listener(sub)
            if self._io.connection is not None and self._io.connected:
                sub.on_connected(self._io.connection)

        self._io.call_soon(attach)
        return sub.consumer

    def _forget(self, sub: Subscription) -> None:
        self._io.call_soon(lambda: self._io.remove_listener(sub))
        with self._lock:
            if sub in self._subscriptions:
                self._subscriptions.remove(sub)

    # -- lifecycle ------------------------------------------------------------------------------------
    @property
    def reconnects(self) -> int:
        return self._io.reconnects

    @property
    def resent(self) -> int:
        """Messages published again because their confirm was lost (reconnect or nack)."""
        loop_publisher = self._loop_publisher
        return self._publisher.resent + (loop_publisher.resent if loop_publisher is not None else 0)

    def ready(self) -> bool:
        """The connection of the publisher the caller uses: the loop publisher's on its loop, else the I/O thread's
        (connected, not blocked by the broker)."""
        return self.unready_reason() is None

    def unready_reason(self) -> str | None:
        if self._closed:
            return "broker closed"
        if self._io.failure is not None:
            return str(self._io.failure)
        if self._io.blocked is not None:  # an alarm is node-wide: the other connection is blocked at its next publish
            return blocked_reason(self._io.blocked)
        publisher = self._loop_publisher
        if publisher is not None and publisher.loop is asyncio._get_running_loop():
            return publisher.unready_reason
        return None if self._io.connected else "not connected to the broker"

    @property
    def failure(self) -> TransportError | None:
        return self._io.failure

    def close(self, drain_timeout: float = 5.0) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subs = list(self._subscriptions)
        if self._loop_publisher is not None:  # its connection lives on its loop: close it there (stop_loop)
            log.warning("broker closed before stop_loop(): the loop publisher's unconfirmed publishes are dropped")
            self._loop_publisher = None
        for sub in subs:
            sub.consumer.close()
        self._wait_drained(drain_timeout)
        self._getter.close()
        self._io.stop()
        self._publisher.close()
        self._replies.close()
        self._scheduler.close()
        log.info("broker closed")

    def _wait_drained(self, timeout: float) -> None:
        done = threading.Event()

        def check() -> None:
            if self._publisher.in_flight() == 0 or not self._io.connected:
                done.set()

        waited = 0.0
        while waited < timeout and not done.is_set() and self._io.connected:  # disconnected: nothing can drain
            self._io.call_soon(check)
            done.wait(0.05)
            waited += 0.05
