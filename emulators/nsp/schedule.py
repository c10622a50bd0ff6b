"""Timed work for the NSP emulator: a single background thread running actions when the emulator's clock says so.

Times are the clock's ``monotonic()``, so a test that injects a :class:`~emulators.toolkit.FakeClock` moves the
schedule with ``clock.advance(...)`` (the thread re-reads the clock at least every ``poll`` seconds) and never
waits for wall-clock time. :meth:`Scheduler.cancel_all` (reset) drops everything still due; :meth:`close` stops
the thread (server shutdown). The thread starts on first use.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable

from emulators.toolkit import Clock
from emulators.toolkit.logs import emulator_logger, log_event

__all__ = ["Scheduler"]


class Scheduler:
    """Run callables at clock times, in order, on one daemon thread."""

    def __init__(self, clock: Clock, *, name: str, poll: float = 0.05) -> None:
        self.clock = clock
        self.name = name
        self.poll = poll
        self.log = emulator_logger(name)
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, str, Callable[[], object]]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False

    def call_later(self, delay: float, action: Callable[[], object], *, label: str = "") -> None:
        self.call_at(self.clock.monotonic() + max(delay, 0.0), action, label=label)

    def call_at(self, when: float, action: Callable[[], object], *, label: str = "") -> None:
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._order), label, action))
            self._closed = False
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=f"scheduler-{self.name}", daemon=True)
                self._thread.start()
            self._cond.notify()

    @property
    def due(self) -> list[str]:
        """Labels of the actions still waiting, soonest first."""
        with self._cond:
            return [label for _, _, label, _ in sorted(self._heap)]

    def cancel(self, label: str) -> int:
        """Drop the actions labelled ``label`` still waiting (one running goes on); how many were dropped."""
        with self._cond:
            kept = [item for item in self._heap if item[2] != label]
            dropped = len(self._heap) - len(kept)
            if dropped:
                heapq.heapify(kept)
                self._heap[:] = kept
                self._cond.notify()
            return dropped

    def cancel_all(self) -> int:
        with self._cond:
            count = len(self._heap)
            self._heap.clear()
            self._cond.notify()
            return count

    def close(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _next(self) -> Callable[[], object] | None:
        """Wait for the next due action; None once closed."""
        with self._cond:
            while not self._closed:
                if self._heap and self._heap[0][0] <= self.clock.monotonic():
                    return heapq.heappop(self._heap)[3]
                if not self._heap:
                    self._cond.wait()  # woken by call_at, cancel_all and close
                    continue
                self._cond.wait(min(max(self._heap[0][0] - self.clock.monotonic(), 0.0), self.poll))
            return None

    def _run(self) -> None:
        while (action := self._next()) is not None:
            try:
                action()
            except Exception:  # one failing action must not stop the schedule
                self.log.exception("scheduled action failed")
                log_event(self.log, logging.ERROR, "schedule.failed", emulator=self.name)
