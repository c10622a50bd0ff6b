"""The consumer handle shared by both brokers: runs the handler on worker threads, never on I/O threads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from hub.transport.message import Delivery, Handler

__all__ = ["Consumer"]

log = logging.getLogger(__name__)


class Consumer:
    """A running subscription to one queue.

    The handler runs on up to ``concurrency`` worker threads (1 keeps the queue's order). A handler that
    raises, or returns without settling its delivery, gets the delivery requeued (``nack``): the queue's
    delivery limit then dead-letters a message that keeps failing.
    """

    def __init__(
        self,
        queue: str,
        handler: Handler,
        concurrency: int,
        stop_deliveries: Callable[[], None],
        release: Callable[[], None],
    ) -> None:
        self.queue = queue
        self._handler = handler
        self._stop_deliveries = stop_deliveries
        self._release = release
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=f"consume-{queue}")
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def dispatch(self, delivery: Delivery) -> None:
        """Called by the broker for each delivery; hands it to a worker thread."""
        with self._lock:
            if self._closed:
                return  # not acked: the broker requeues it when the consumer is released
            self._pool.submit(self._run, delivery)

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
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._release()
        log.info("consumer closed", extra={"queue": self.queue})

    def __enter__(self) -> Consumer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
