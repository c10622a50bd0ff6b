"""``onepoint_queue_messages{queue}``: how many messages wait in each queue, and ``onepoint_queue_consumers{queue}``:
how many consumers each consumer queue has (every process's; 0: nobody consumes it), read from the broker at scrape
time.

The read (``Broker.message_counts``: on RabbitMQ one connection and a passive declare per queue) is kept for
``max_age`` seconds, so scrapes close together (several Prometheus servers, a dashboard) cost the broker one read.
A read that fails (the broker unreachable) gives no sample, never a stale one; it is logged as a ``QuietLog``
line, not once per scrape (``hub.observability.scrape_cache``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.observability.scrape_cache import ScrapeCache

__all__ = ["CONSUMERS_DOCUMENTATION", "QUEUE_DEPTH_MAX_AGE", "QueueDepths"]

QUEUE_DEPTH_MAX_AGE = 2.0  # seconds a read of the queues' depths is served to scrapes before it is read again
DOCUMENTATION = ("Messages ready in each queue (consumers' queues, delay tiers, DLQs), read from the broker at "
                 "scrape time.")
CONSUMERS_DOCUMENTATION = ("Consumers of each consumer queue (every process's; 0: nobody consumes it, its messages "
                           "wait), read from the broker at scrape time.")


class QueueDepths(Collector):
    """A collector of ``<prefix>_queue_messages{queue}`` from ``read()`` (queue → messages ready), or of another
    per-queue count (``name``, ``documentation``: the consumers)."""

    def __init__(self, read: Callable[[], Mapping[str, int]], *, name: str = "onepoint_queue_messages",
                 max_age: float = QUEUE_DEPTH_MAX_AGE, clock: Callable[[], float] = time.monotonic,
                 documentation: str = DOCUMENTATION, what: str = "queue depths") -> None:
        self.name = name
        self.documentation = documentation
        self.cache: ScrapeCache[Mapping[str, int]] = ScrapeCache(read, max_age=max_age, what=what, clock=clock)

    def depths(self) -> dict[str, int]:
        """The depths read at most ``max_age`` seconds ago (read now if older); empty if the read failed."""
        return dict(self.cache.get() or {})

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(self.name, self.documentation, labels=["queue"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=["queue"])
        for queue, count in sorted(self.depths().items()):
            family.add_metric([queue], float(count))
        yield family
