"""The consumer handle shared by both brokers: runs the handler on worker threads, never on I/O threads."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from hub.transport.message import Delivery, Handler

__all__ = ["Consumer"]

log = logging.getLogger(__name__)

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
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.queue = queue_name
        self._handler = handler
        self._stop_deliveries = stop_deliveries
        self._release = release
        self._inbox: queue.SimpleQueue[Delivery | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"consume-{queue_name}_{i}", daemon=True)
            for i in range(concurrency)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    def dispatch(self, delivery: Delivery) -> None:
        """Called by the broker for each delivery; hands it to a worker thread."""
        if self._closed:
            return  # not acked: the broker requeues it when the consumer is released
        self._inbox.put(delivery)

    def _work(self) -> None:
        inbox = self._inbox
        while True:
            delivery = inbox.get()
            if delivery is None or self._closed:
                if delivery is None:
                    return
                continue  # closing: left unsettled, the broker requeues it
            self._run(delivery)

    def _run(self, delivery: Delivery) -> None:
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
