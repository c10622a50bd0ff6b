"""Time for the emulator toolkit: a real clock, a fake clock for tests, and a releasable wait.

Every delay an emulator injects goes through a :class:`Clock`, so tests can observe latency faults without
sleeping (``FakeClock.sleep`` advances fake time and returns at once). Hangs are different: a hang exists to make
a *real* client time out, so it always waits in real time on a :class:`Releaser`, which reset and shutdown use to
let every waiter go at once, from any thread and any event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "Releaser", "SystemClock"]


class Releaser:
    """A group of asynchronous waits that can all be released at once, thread-safely.

    Waits may come from several event loops (the server's loop, an in-process transport's loop); each waiter
    is a future of its own loop, resolved with ``call_soon_threadsafe``. After :meth:`close`, waits return at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()
        self._closed = False

    @property
    def waiting(self) -> int:
        """How many waits are pending right now."""
        with self._lock:
            return len(self._waiters)

    async def wait(self, timeout: float | None) -> bool:
        """Wait until released (True) or until ``timeout`` seconds passed (False)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        key = (loop, fut)
        with self._lock:
            if self._closed:
                return True
            self._waiters.add(key)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            return False
        finally:
            with self._lock:
                self._waiters.discard(key)
        return True

    def release_all(self) -> int:
        """Release every pending wait; returns how many were released."""
        with self._lock:
            waiters = list(self._waiters)
            self._waiters.clear()
        for loop, fut in waiters:
            with contextlib.suppress(RuntimeError):  # the loop is already closed: nothing waits there any more
                loop.call_soon_threadsafe(_resolve, fut)
        return len(waiters)

    def close(self) -> None:
        """Release everything and make later waits return at once (used on shutdown)."""
        with self._lock:
            self._closed = True
        self.release_all()

    def reopen(self) -> None:
        with self._lock:
            self._closed = False


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class Clock(Protocol):
    """The time source of an emulator."""

    def now(self) -> float:
        """Wall-clock time, seconds since the epoch (journal timestamps, outage windows)."""
        ...

    def monotonic(self) -> float:
        """Monotonic seconds (latency measurement)."""
        ...

    async def sleep(self, seconds: float, releaser: Releaser) -> bool:
        """Wait ``seconds``; returns False when the releaser cut the wait short (reset, shutdown)."""
        ...


class SystemClock:
    """The real clock; sleeps are cut short by reset and shutdown."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float, releaser: Releaser) -> bool:
        if seconds <= 0:
            return True
        return not await releaser.wait(seconds)


class FakeClock:
    """A clock that only moves when told to, or when something sleeps on it (tests).

    ``sleeps`` records every delay requested, in order.
    """

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._lock = threading.Lock()
        self._now = start
        self._mono = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += seconds
            self._mono += seconds

    async def sleep(self, seconds: float, releaser: Releaser) -> bool:
        with self._lock:
            self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))
        return True
