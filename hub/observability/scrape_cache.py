"""``ScrapeCache``: a gauge's source read at scrape time, at most once every ``max_age`` seconds.

Gauges read from elsewhere when Prometheus scrapes (a broker's queue depths, the work-order database's backlog) cost
that system a read per scrape; several Prometheus servers and a dashboard scraping together would multiply it. The
cache serves one read to every scrape within ``max_age``; concurrent scrapes wait for the read under way and share
it. A read that fails gives ``None`` (the collector then exposes no sample, never a stale one: an alert on the
gauge sees it missing, not a frozen value) and is logged as a ``QuietLog`` line, not once per scrape; the scrape
itself goes on with the other metrics.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from hub.observability.quiet import QuietLog, short_reason

__all__ = ["ScrapeCache"]

T = TypeVar("T")

log = logging.getLogger("onepoint.metrics")


class ScrapeCache(Generic[T]):
    """``get()``: ``read()``'s answer of at most ``max_age`` seconds ago (read now if older), ``None`` if it failed.
    ``read`` and ``max_age`` may be replaced at any time (the next read uses them)."""

    def __init__(self, read: Callable[[], T], *, max_age: float, what: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``what``: the source, as the log line names it (``"<what> could not be read for /metrics"``)."""
        self.read = read
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._at = -float("inf")
        self._value: T | None = None
        self._failed = QuietLog(f"{what} could not be read for /metrics", interval=60.0, clock=clock, logger=log)

    def get(self) -> T | None:
        with self._lock:  # one read at a time: concurrent scrapes wait for it and share it
            now = self._clock()
            if now - self._at >= self.max_age:
                try:
                    self._value = self.read()
                except Exception as exc:  # the source down: no value rather than a stale one
                    self._value = None
                    self._failed.warn(reason=short_reason(exc))
                self._at = now
            return self._value
