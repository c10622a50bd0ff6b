"""``ScrapeCache``: a gauge's source read for scrapes, at most once every ``max_age`` seconds, never holding a scrape
longer than ``wait`` seconds.

Gauges read from elsewhere when Prometheus scrapes (a broker's queue depths, the work-order database's backlog) cost
that system a read per scrape; several Prometheus servers and a dashboard scraping together would multiply it. The
cache serves one read to every scrape within ``max_age``. An older value is read again in a thread of the cache's
own, one read at a time: the scrapes that come while it runs wait for it at most ``wait`` seconds and share it. A
source that hangs (a database frozen or cut off by the network: a read without an answer) therefore costs each
scrape ``wait`` seconds and one thread in all, never a thread per scrape held until the source answers: the
server's threads that scrapes run on also serve the hub's SOAP requests and the bulletin. A read that fails, or has
not answered within ``wait``, gives ``None`` (the collector then exposes no sample, never a stale one: an alert on
the gauge sees it missing, not a frozen value; the rest of the scrape, ``onepoint_dependency_up`` included, goes on)
and a failure is logged as a ``QuietLog`` line, not once per scrape. A late read's answer, when it comes, serves
the scrapes after it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from hub.observability.quiet import QuietLog, short_reason

__all__ = ["SCRAPE_WAIT", "ScrapeCache"]

T = TypeVar("T")

SCRAPE_WAIT = 2.0  # seconds a scrape waits for a read under way (Prometheus' scrape timeout is 10 s by default)

log = logging.getLogger("onepoint.metrics")


class ScrapeCache(Generic[T]):
    """``get()``: ``read()``'s answer of at most ``max_age`` seconds ago (read now, in the cache's thread, if
    older), ``None`` if it failed or is still under way after ``wait`` seconds. ``read`` and ``max_age`` may be
    replaced at any time (the next read uses them)."""

    def __init__(self, read: Callable[[], T], *, max_age: float, what: str,
                 clock: Callable[[], float] = time.monotonic, wait: float = SCRAPE_WAIT) -> None:
        """``what``: the source, as the log line and the reading thread name it."""
        self.read = read
        self.max_age = max_age
        self.wait = wait
        self._what = what
        self._clock = clock
        self._lock = threading.Lock()
        self._at = -float("inf")
        self._value: T | None = None
        self._reading: threading.Event | None = None  # set when the read under way has ended
        self._failed = QuietLog(f"{what} could not be read for /metrics", interval=60.0, clock=clock, logger=log)

    def get(self) -> T | None:
        with self._lock:
            if self._clock() - self._at < self.max_age:
                return self._value
            ended = self._reading
            if ended is None:  # one read at a time: the scrapes meanwhile wait for this one and share it
                ended = self._reading = threading.Event()
                threading.Thread(target=self._read_now, args=(ended,), name=f"scrape-{self._what}"[:40],
                                 daemon=True).start()
        if not ended.wait(self.wait):
            return None  # the source has not answered: no sample this scrape; the read goes on for the next ones
        with self._lock:
            return self._value

    def _read_now(self, ended: threading.Event) -> None:
        value: T | None
        try:
            value = self.read()
        except Exception as exc:  # the source down: no value rather than a stale one
            value = None
            self._failed.warn(reason=short_reason(exc))
        with self._lock:
            self._value, self._at, self._reading = value, self._clock(), None
        ended.set()
