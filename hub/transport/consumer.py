"""The consumer handles shared by both brokers: they run handlers on worker threads, not on I/O threads
(except a batch consumer asked to run ``inline``, see ``Broker.consume_batches``).

``Consumer`` calls its handler once per delivery; ``BatchConsumer`` hands its handler every delivery that is
waiting (up to ``max_batch``) in one call, so that a handler with local effects can commit them together.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from hub.transport.message import BatchHandler, Delivery, Handler

__all__ = ["BatchConsumer", "Consumer", "ConsumerFactory"]

log = logging.getLogger("onepoint.transport")

_STOP = None  # one per worker thread, queued by ``close``


class Consumer:
    """A running subscription to one queue.

    The handler runs on ``concurrency`` worker threads (1 keeps the queue's order) fed by one
    ``queue.SimpleQueue``: a delivery costs one C-level put, not a ``Future`` and a work item. A handler that
    raises, or returns without settling its delivery, gets the delivery requeued (``nack``): the queue's
    delivery limit then dead-letters a message that keeps failing.
    """

    def __init__(
        self,
        queue_name: str,
        handler: Handler,
        concurrency: int,
        stop_deliveries: Callable[[], None],
        release: Callable[[], None],
        *,
        threads: bool = True,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.queue = queue_name
        self._handler = handler
        self._stop_deliveries = stop_deliveries
        self._release = release
        self._inbox: queue.SimpleQueue[list[Delivery] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"consume-{queue_name}_{i}", daemon=True)
            for i in range(concurrency if threads else 0)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    def dispatch(self, delivery: Delivery) -> None:
        """Called by the broker for each delivery; hands it to a worker thread."""
        self.dispatch_many([delivery])

    def dispatch_many(self, deliveries: list[Delivery]) -> None:
        """Hand over the deliveries of one read from the socket at once (one wake-up, one batch)."""
        if self._closed:
            return  # not acked: the broker requeues them when the consumer is released
        self._inbox.put(deliveries)

    def _work(self) -> None:
        inbox = self._inbox
        while True:
            deliveries = inbox.get()
            if deliveries is None:
                return
            for delivery in deliveries:
                if self._closed:
                    break  # closing: left unsettled, the broker requeues them
                self._run(delivery)

    def _run(self, delivery: Delivery) -> None:  # overridden by BatchConsumer
        mid = delivery.message.message_id
        try:
            self._handler(delivery)
        except Exception:
            log.exception("handler failed; requeueing", extra={"message_id": mid, "queue": self.queue})
            if delivery.settled is None:
                delivery.nack(requeue=True)
            return
        if delivery.settled is None:
            log.error("handler did not settle its delivery; requeueing", extra={"message_id": mid})
            delivery.nack(requeue=True)

    def close(self) -> None:
        """Stop new deliveries, let running handlers finish, then return everything unsettled to the queue."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._stop_deliveries()
        finally:
            for _ in self._threads:
                self._inbox.put(_STOP)
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join()
            self._release()
        log.info("consumer closed", extra={"queue": self.queue})

    def __enter__(self) -> Consumer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BatchConsumer(Consumer):
    """A consumer whose handler gets a list: every delivery that is waiting, up to ``max_batch``. The handler
    settles each one (typically all after one commit); whatever it leaves unsettled, or everything unsettled if
    it raises, is requeued.

    ``inline``: no worker threads; the broker's delivery thread runs the handler itself (``dispatch_many`` runs
    the batches before it returns). The broker decides whether it can (``Broker.consume_batches``).
    """

    def __init__(
        self,
        queue_name: str,
        handler: BatchHandler,
        concurrency: int,
        stop_deliveries: Callable[[], None],
        release: Callable[[], None],
        max_batch: int = 64,
        inline: bool = False,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._batch_handler = handler
        self.max_batch = max_batch
        self.inline = inline
        super().__init__(queue_name, _unused, concurrency, stop_deliveries, release, threads=not inline)

    def dispatch_many(self, deliveries: list[Delivery]) -> None:
        if not self.inline:
            super().dispatch_many(deliveries)
            return
        for start in range(0, len(deliveries), self.max_batch):
            if self._closed:
                return  # not acked: the broker requeues them when the consumer is released
            self._run_batch(deliveries[start:start + self.max_batch])

    def _work(self) -> None:
        inbox = self._inbox
        while True:
            first = inbox.get()
            if first is None:
                return
            waiting = list(first)
            stop = False
            while len(waiting) < self.max_batch and not inbox.empty():
                more = inbox.get_nowait()
                if more is None:
                    stop = True
                    break
                waiting.extend(more)
            for start in range(0, len(waiting), self.max_batch):
                if self._closed:
                    break  # closing: left unsettled, the broker requeues them
                self._run_batch(waiting[start:start + self.max_batch])
            if stop:
                return

    def _run_batch(self, batch: list[Delivery]) -> None:
        try:
            self._batch_handler(batch)
        except Exception:
            log.exception("batch handler failed; requeueing what it left unsettled",
                          extra={"queue": self.queue, "deliveries": len(batch)})
        else:
            if all(d.settled is not None for d in batch):
                return
            log.error("batch handler left deliveries unsettled; requeueing them", extra={"queue": self.queue})
        for delivery in batch:
            if delivery.settled is None:
                delivery.nack(requeue=True)


def _unused(delivery: Delivery) -> None:
    raise AssertionError("a BatchConsumer calls its batch handler")


ConsumerFactory = Callable[[str, int, Callable[[], None], Callable[[], None]], Consumer]
"""How a broker makes the consumer handle: ``(queue, concurrency, stop_deliveries, release) -> Consumer``."""
