"""The hub side of the backbone benchmark: the ingress's producer path, and the consumer in a thread or process.

Producer (this process, on a uvloop event loop, as the ingress runs): ``routes`` coroutines (concurrent
requests, as an ingress has them), each doing ``DocumentValidator.validate_bytes`` → ``envelope_for`` (the
ingress's envelope; as there, the parsed tree is freed before the route is awaited) → ``BrokerRouter.route``
(routing table, confirmed publish through ``Broker.publish_async`` after ``start_loop()``, i.e. RabbitMQ's
event-loop publisher, with at most ``in_flight`` unconfirmed, the raw
side's window). More routes than the window keep it full while others validate, as raw pika's loop refills its
window at once.

Consumer, with the SQLite store (effect: ``envelope_from_message``): with ``max_batch`` 1, ``Broker.consume``
→ ``process_once`` → ack per message; with ``max_batch`` > 1, ``Broker.consume_batches`` →
``process_batch_once`` (one commit per batch) → acks, on the connection's own thread with ``inline``. The
consumer runs on a thread of this process (``consumer="thread"``) or in a child process (``consumer="process"``:
``bench/pipeline/worker.py``), as the hub is deployed: ingress and workers are separate processes.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import uvloop

from bench.pipeline.process import WorkerProcess
from bench.pipeline.raw import BenchFailure
from hub.config import HubSettings, tune_garbage_collector
from hub.routing import BrokerRouter, RoutingTable, envelope_from_message
from hub.routing.envelopes import envelope_for
from hub.store import open_store, process_batch_once, process_once
from hub.transport import Delivery, Message, TopologyConfig, open_broker
from hub.validation import CommandSetRegistry, DocumentValidator

__all__ = ["HubSide", "effect"]


class ThreadConsumer:
    """The consumer on a worker thread of the producing process."""

    def __init__(self, side: HubSide, prefetch: int, threads: int) -> None:
        self.store = open_store(f"sqlite:///{side.workdir / 'processed.db'}")
        self.lock = threading.Lock()
        self.handled = self.duplicates = self.target = 0
        self.reached = threading.Event()
        if side.max_batch > 1:
            self.consumer = side.broker.consume_batches(side.queue, self._handle_batch, max_batch=side.max_batch,
                                                        prefetch=prefetch, concurrency=threads, inline=side.inline)
        else:
            self.consumer = side.broker.consume(side.queue, self._handle, prefetch=prefetch, concurrency=threads)

    def _handle(self, delivery: Delivery) -> None:
        ran = process_once(self.store, delivery, effect)
        self._count(1, not ran)

    def _handle_batch(self, batch: list[Delivery]) -> None:
        result = process_batch_once(self.store, batch, effect)
        self._count(result.ran + result.duplicates, result.duplicates)

    def _count(self, handled: int, duplicates: int) -> None:
        with self.lock:
            self.handled += handled
            self.duplicates += duplicates
            if self.handled >= self.target:
                self.reached.set()

    def expect(self, n: int) -> None:
        with self.lock:
            self.target = self.handled + n
            self.reached.clear()

    def wait(self, timeout: float) -> tuple[int, int]:
        if not self.reached.wait(timeout):
            raise BenchFailure(f"hub: only {self.handled} messages consumed in time (target {self.target})")
        return self.handled, self.duplicates

    def close(self) -> None:
        self.consumer.close()
        self.store.close()


class ProcessConsumer(WorkerProcess):
    """The consumer in its own process (``bench/pipeline/worker.py``)."""

    def __init__(self, side: HubSide, prefetch: int, threads: int) -> None:
        super().__init__("worker.py", side.url, side.prefix, str(side.workdir / "processed.db"), str(prefetch),
                         str(threads), str(side.max_batch), "1" if side.inline else "0",
                         "1" if side.gc_tuning else "0")


def effect(message: Message) -> str:
    """The consumer's effect on both layouts: what a worker does first, the envelope back from the message."""
    envelope_from_message(message)
    return "done"


class HubSide:
    """The hub's backbone, opened once for all rounds: broker, router with the routing table, consumer."""

    def __init__(self, url: str, prefix: str, workdir: Path, *, routes: int, in_flight: int, prefetch: int,
                 consumer_threads: int, consumer: str, max_batch: int, inline: bool, gc_tuning: bool = True) -> None:
        self.url, self.prefix, self.workdir, self.inline = url, prefix, workdir, inline
        self.gc_tuning = gc_tuning
        self.routes, self.in_flight = routes, in_flight
        self.max_batch = max_batch
        self.registry = CommandSetRegistry.installed()
        self.validator = DocumentValidator(self.registry)
        self.broker = open_broker(url, TopologyConfig(prefix=prefix), max_in_flight=in_flight)
        # work orders one way: the backbone's path (validate, route, confirmed publish, consume) is measured, not the
        # workflow's answer (the built-in table makes CreateWorkOrder a request since issue 12)
        table = RoutingTable.from_mapping(
            {"routes": [{"name": "work orders, one way", "commands": ["workorder.*"], "to": ["workflow"]}]},
            "bench: one way", consumers=set(self.broker.config.consumers),
            command_types=list(self.registry.command_types()))
        self.router = BrokerRouter(self.broker, table)
        self.queue = self.broker.config.queue("workflow")
        kind = ProcessConsumer if consumer == "process" else ThreadConsumer
        self.consumer: ThreadConsumer | ProcessConsumer = kind(self, prefetch, consumer_threads)
        if gc_tuning:  # as `onepoint serve` does once its app is built
            tune_garbage_collector(HubSettings().gc_young_threshold)

    def close(self) -> None:
        self.consumer.close()
        self.broker.close()

    def run(self, documents: list[bytes], timeout: float) -> float:
        """Messages per second from the first publish to the last ack, as on the other sides: connecting and
        closing the publisher are outside the timing (the raw loops start their clock once their channels are
        open, and stop it at the last ack)."""
        n = len(documents)
        self.consumer.expect(n)
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            t0, t1, duplicates = runner.run(asyncio.wait_for(self._publish(documents, timeout), timeout + 15))
        if duplicates:
            raise BenchFailure(f"hub: {duplicates} deliveries were duplicates")
        return n / (t1 - t0)

    async def _publish(self, documents: list[bytes], timeout: float) -> tuple[float, float, int]:
        """``routes`` concurrent producers, each: validate -> envelope -> route (returns once confirmed); then
        wait for the consumer. Returns the clock at the first publish and at the last ack, and the duplicates."""
        items = iter(documents)
        validator, router = self.validator, self.router

        async def producer() -> None:
            for document in items:
                # As the ingress's admit step: the envelope holds the body as received, and the parsed tree is
                # freed before the route is awaited (no local keeps it).
                # facts=False: the built-in table has no content predicate, so the ingress reads no facts
                envelope = envelope_for(validator.validate_bytes(document, expected_set="workorder"), facts=False,
                                        headers={"ingress": "bench", "caller": "cs-frontend"}, document=document)
                result = await router.route(envelope)
                if result.duplicate:
                    raise BenchFailure(f"message {envelope.message_id} routed as a duplicate")

        # Publish as the hub's ingress does: from this event loop, not through the I/O thread.
        await self.broker.start_loop()
        try:
            t0 = time.perf_counter()
            await asyncio.wait_for(asyncio.gather(*(producer() for _ in range(self.routes))), timeout)
            left = max(1.0, timeout - (time.perf_counter() - t0))
            _handled, duplicates = await asyncio.to_thread(self.consumer.wait, left)
            return t0, time.perf_counter(), duplicates
        finally:
            await self.broker.stop_loop()
