"""``onepoint_queue_messages{queue}``: how many messages wait in each queue, read from the broker at scrape time.

The read (``Broker.message_counts``: on RabbitMQ one connection and a passive declare per queue) is kept for
``max_age`` seconds, so scrapes close together (several Prometheus servers, a dashboard) cost the broker one read.
A read that fails (the broker unreachable) gives no sample, never a stale one; it is logged as a ``QuietLog``
line, not once per scrape.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.observability.quiet import QuietLog, short_reason

__all__ = ["QUEUE_DEPTH_MAX_AGE", "QueueDepths"]

QUEUE_DEPTH_MAX_AGE = 2.0  # seconds a read of the queues' depths is served to scrapes before it is read again
DOCUMENTATION = ("Messages ready in each queue (consumers' queues, delay tiers, DLQs), read from the broker at "
                 "scrape time.")

log = logging.getLogger("onepoint.metrics")


class QueueDepths(Collector):
    """A collector of ``<prefix>_queue_messages{queue}`` from ``read()`` (queue → messages ready)."""

    def __init__(self, read: Callable[[], Mapping[str, int]], *, name: str = "onepoint_queue_messages",
                 max_age: float = QUEUE_DEPTH_MAX_AGE, clock: Callable[[], float] = time.monotonic) -> None:
        self.read = read
        self.name = name
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._at = -float("inf")
        self._depths: dict[str, int] = {}
        self._failed = QuietLog("queue depths could not be read for /metrics", interval=60.0, clock=clock,
                                logger=log)

    def depths(self) -> dict[str, int]:
        """The depths read at most ``max_age`` seconds ago (read now if older); empty if the read failed."""
        with self._lock:  # one read at a time: concurrent scrapes wait for it and share it
            now = self._clock()
            if now - self._at >= self.max_age:
                try:
                    self._depths = dict(self.read())
                except Exception as exc:  # the broker down: no sample rather than a stale one
                    self._depths = {}
                    self._failed.warn(reason=short_reason(exc))
                self._at = now
            return dict(self._depths)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(self.name, DOCUMENTATION, labels=["queue"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.name, DOCUMENTATION, labels=["queue"])
        for queue, count in sorted(self.depths().items()):
            family.add_metric([queue], float(count))
        yield family
