"""The calls other threads hand the I/O thread (``hub.transport.amqp.io``), which alone may touch pika's objects.

pika objects are not thread-safe, so every other thread talks to the connection through ``call_soon``
(a queue drained on the I/O thread; only one wake-up is pending at a time, so a burst of publishes costs
one ``add_callback_threadsafe``). While the connection is down, calls wait in the queue and run after
the next successful (re)connect, once the listeners have reopened their channels.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

__all__ = ["IOCalls"]

log = logging.getLogger("onepoint.transport")


class IOCalls:
    """The queue of calls for the I/O thread: ``IOThread``'s base, which tells it when a loop runs them."""

    _thread: threading.Thread  # the I/O thread (``IOThread``'s)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: deque[Callable[[], None]] = deque()
        self._loop: Any = None  # the IOLoop while the connection is open
        self._wake_pending = False

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the I/O thread (queued while disconnected)."""
        with self._lock:
            self._calls.append(fn)
            if self._wake_pending or self._loop is None:
                return
            self._wake_pending = True
            loop = self._loop
        try:
            loop.add_callback_threadsafe(self._drain)
        except Exception:  # the loop is closing: the calls run after the next connect
            with self._lock:
                self._wake_pending = False

    def call(self, fn: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Run ``fn`` on the I/O thread and wait for its result."""
        if threading.current_thread() is self._thread:
            return fn()
        future: Future[Any] = Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

        self.call_soon(run)
        return future.result(timeout)

    def _drain(self) -> None:
        with self._lock:
            calls, self._calls = self._calls, deque()
            self._wake_pending = False
        for fn in calls:
            try:
                fn()
            except Exception:
                log.exception("I/O-thread call failed")

    def _serve_calls(self, loop: Any) -> None:
        """On the I/O thread, the connection open: ``loop`` runs the calls from now on, those queued at once."""
        with self._lock:
            self._loop = loop
        self._drain()

    def _hold_calls(self) -> None:
        """The connection's loop ended: calls wait in the queue for the next one."""
        with self._lock:
            self._loop = None
            self._wake_pending = False

    def _drop_calls(self) -> int:
        """The connection closed for good: the calls still queued dropped; how many."""
        with self._lock:
            leftover, self._calls = self._calls, deque()
        return len(leftover)
