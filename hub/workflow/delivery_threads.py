"""The threads that POST the listeners' events for the event publisher (``hub.workflow.publisher``).

A listener has at most one POST under way (its turn hands out its next event only after the last one's answer,
``hub.workflow.listener_deliveries``), and a POST may take a whole deadline: a slow listener holds a thread that
long. So that it holds back no other listener, the threads are not a small fixed pool shared by all: one is started
whenever a POST finds none idle (an idle one is reused first), so there are about as many as listeners with a POST
under way at once, up to ``most`` (``[workflow.listeners] delivery_threads``); a thousand registered listeners do
not make a thousand threads. Past that many POSTs under way at once, a POST waits for a thread to end its own
(first handed out, first sent): the listeners behind then wait for the slow ones' POSTs, which a WARNING
``every event delivery thread is busy`` says once (again only after half the threads were free: a number of
listeners around the cap does not make it a line a POST). The threads end when the publisher stops
(``shutdown``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["DeliveryThreads"]

log = logging.getLogger("onepoint.workflow.publisher")
P = ParamSpec("P")
R = TypeVar("R")


class DeliveryThreads:
    """At most ``most`` threads, started as the POSTs under way need them."""

    def __init__(self, most: int) -> None:
        if most < 1:
            raise ValueError("the publisher needs at least one delivery thread")
        self.most = most
        self._pool = ThreadPoolExecutor(max_workers=most, thread_name_prefix="event-delivery",
                                        initializer=self._thread_started)
        self._lock = threading.Lock()
        self._under_way = 0  # POSTs handed out and not ended (running, or waiting for a thread)
        self._started = 0
        self._all_busy = False  # said once, until half the threads are free again

    @property
    def started(self) -> int:
        """The threads started so far (they last until ``shutdown``)."""
        with self._lock:
            return self._started

    def submit(self, post: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        """Run ``post`` on a thread: an idle one, a new one while fewer than ``most`` run, else the first to end."""
        with self._lock:
            self._under_way += 1
            under_way = self._under_way
            waits = under_way > self.most and not self._all_busy
            if waits:
                self._all_busy = True
        if waits:
            log.warning("every event delivery thread is busy: listeners' events wait for a POST to end (raise "
                        "[workflow.listeners] delivery_threads, or unregister the listeners that answer slowly)",
                        extra={"delivery_threads": self.most, "posts_under_way": under_way})
        return self._pool.submit(self._counted, post, *args, **kwargs)

    def shutdown(self) -> None:
        """Send nothing more: POSTs not started are dropped, those under way are not waited for."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _thread_started(self) -> None:
        with self._lock:
            self._started += 1

    def _counted(self, post: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """``post`` on a thread, counted as under way until it returns (before its future is done)."""
        try:
            return post(*args, **kwargs)
        finally:
            with self._lock:
                self._under_way -= 1
                if self._under_way <= self.most // 2:
                    self._all_busy = False
