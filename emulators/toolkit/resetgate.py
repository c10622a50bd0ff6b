"""The gate between an emulator's requests and its application, which a reset closes.

``POST /__admin/reset`` puts the emulator back to its seeded start: its state, its faults and its journal. A
request that arrived before the reset belongs to the time before it, so its effect must not land in the fresh
state, where the journal (which drops it) would never show it. Requests do not go straight into the application:

- a request *enters* the gate just before the application runs it (on the WSGI thread that runs it, after any
  wait for a free thread) and *leaves* when the application answered; it enters only if no reset came since it
  arrived (else it is not run: its connection is reset);
- a reset counts itself first (so requests that arrived earlier are refused at the gate from now on), lets go
  the requests faults hold, then waits until every request inside has left (bounded by ``drain_seconds``), then
  resets; requests arriving meanwhile wait at the gate until it is done.

So the application's state after a reset holds exactly the effects of the requests it ran after it, each
journalled under the journal's new generation (read on entering).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

__all__ = ["DRAIN_SECONDS", "ResetGate"]

DRAIN_SECONDS = 30.0
"""How long a reset waits for the requests inside the application to finish before it resets anyway."""


class ResetGate:
    """Counts resets and the requests inside the application; thread-safe."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._inside = 0
        self._resetting = 0
        self._resets = 0

    @property
    def resets(self) -> int:
        """How many resets have begun: a request notes it when it arrives."""
        with self._cond:
            return self._resets

    def enter(self, resets: int, *, block: bool = True) -> bool | None:
        """Let a request that arrived at ``resets`` into the application: True (call :meth:`leave` after), False
        when a reset came since (do not run it), None when a reset is under way and ``block`` is False."""
        with self._cond:
            if self._resetting:
                if not block:
                    return None
                self._cond.wait_for(lambda: not self._resetting)
            if self._resets != resets:
                return False
            self._inside += 1
            return True

    def leave(self) -> None:
        with self._cond:
            self._inside -= 1
            self._cond.notify_all()

    @contextlib.contextmanager
    def resetting(self, begun: Callable[[], object] | None = None,
                  drain_seconds: float = DRAIN_SECONDS) -> Iterator[bool]:
        """Begin a reset (then call ``begun``), wait for the requests inside to leave (yields False if some were
        still inside after ``drain_seconds``), and let waiting requests in when the block ends."""
        with self._cond:
            self._resetting += 1
            self._resets += 1
        try:
            if begun is not None:
                begun()
            with self._cond:
                drained = self._cond.wait_for(lambda: self._inside == 0, drain_seconds)
            yield drained
        finally:
            with self._cond:
                self._resetting -= 1
                self._cond.notify_all()
