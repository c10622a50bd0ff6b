"""The simulation's timeline: steps at simulated instants, each run when the simulated clock reaches it, a few at
a time on a small thread pool (a step is taken only when a thread is free, so the steps due meanwhile wait in the
timeline, not in the pool: an interrupt leaves none queued behind it). A step's lag is how late it starts, in
simulated seconds after its instant (the wait for a free thread counts). A barrier step waits for the running ones
and runs alone (nothing later starts before it ended). When nothing has run for ``SETTLE`` real seconds the clock
jumps to the next step (the hub's call-backs land first). A step that fails is logged and counted; the day goes on."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.simulate.clock import SimulatedTime

__all__ = ["SETTLE", "Timeline"]

log = logging.getLogger("onepoint.simulate")
SETTLE = 0.05  # real seconds without a step before the clock may jump over an idle gap


@dataclass(order=True)
class _Step:
    due: datetime
    order: int
    label: str = field(compare=False)
    run: Callable[[], None] = field(compare=False)
    barrier: bool = field(compare=False, default=False)


class Timeline:
    """``at(instant, label, run)`` / ``after(delay, ...)`` from any thread; ``run(stop_at, tick)`` plays until no
    step is left (or the next is after ``stop_at``), calling ``tick(running)`` while it waits."""

    def __init__(self, time_: SimulatedTime, *, threads: int = 4, skip_idle: bool = True) -> None:
        self.time, self.threads, self.skip_idle = time_, threads, skip_idle
        self.steps = 0
        self.unfinished = 0
        self.max_lag_seconds = 0.0  # simulated seconds a step ran after its instant
        self.failed: Counter[str] = Counter()  # step kind (its label's first word) -> failures
        self._heap: list[_Step] = []
        self._lock = threading.Lock()
        self._order = itertools.count()

    def at(self, due: datetime, label: str, run: Callable[[], None], *, barrier: bool = False) -> None:
        with self._lock:
            heapq.heappush(self._heap, _Step(due, next(self._order), label, run, barrier))

    def after(self, delay: timedelta, label: str, run: Callable[[], None]) -> None:
        self.at(self.time.now() + delay, label, run)

    def _next(self) -> _Step | None:
        with self._lock:
            return self._heap[0] if self._heap else None

    def run(self, stop_at: datetime, tick: Callable[[int], None]) -> None:
        pool = ThreadPoolExecutor(self.threads, thread_name_prefix="simulate")
        try:
            self._play(pool, stop_at, tick)
        except BaseException:  # Ctrl-C, SIGTERM: the running steps end, nothing queued is played
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        with self._lock:
            self.unfinished = len(self._heap)
        tick(0)

    def _play(self, pool: ThreadPoolExecutor, stop_at: datetime, tick: Callable[[int], None]) -> None:
        running: set[Future[None]] = set()
        last_step = time.monotonic()
        while True:
            running = {f for f in running if not f.done()}
            if running:
                last_step = time.monotonic()
            if len(running) >= self.threads:  # every thread busy: the next step waits for one (its lag grows)
                wait_futures(running, timeout=0.05, return_when=FIRST_COMPLETED)
                tick(len(running))
                continue
            step = self._next()
            if step is None and not running:
                break
            wait = 0.05 if step is None else self.time.real_wait(step.due)
            if step is not None and wait > 0 and self.skip_idle and time.monotonic() - last_step > SETTLE:
                self.time.skip_to(min(step.due, stop_at))
                wait = self.time.real_wait(step.due)
            if step is None or wait > 0:
                time.sleep(min(0.05, max(wait, 0.001)))
                tick(len(running))
                continue
            if step.due > stop_at:
                break
            with self._lock:
                heapq.heappop(self._heap)
            self.steps += 1
            last_step = time.monotonic()
            if step.barrier:
                for future in running:
                    future.result()
                self._guarded(step)
            else:
                running.add(pool.submit(self._guarded, step))

    def _guarded(self, step: _Step) -> None:
        lag = (self.time.now() - step.due).total_seconds()
        with self._lock:
            self.max_lag_seconds = max(self.max_lag_seconds, lag)
        try:
            step.run()
        except Exception:  # one step failing must not stop the day: it is logged and counted
            log.exception("simulation step failed", extra={"step": step.label})
            with self._lock:
                self.failed[step.label.split()[0]] += 1
