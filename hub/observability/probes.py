"""Dependencies checked in the background, for ``/readyz`` and ``/metrics`` without a call per request.

A ``BackgroundProbe`` runs its ``check`` (e.g. ``SELECT 1`` on the work-order database) in a thread of its own
every ``interval`` seconds and keeps the last outcome; ``state()`` only reads it. A check that has not answered
after ``timeout`` seconds (a database that hangs instead of refusing) counts as failing at once, without waiting
for it to give up. The probe logs the changes only: one WARNING when the dependency starts failing (no traceback:
whoever uses it logs its own failures), one when it answers again.

::

    probe = BackgroundProbe("database", check=lambda: ping(engine)).start()
    probe.state()  # ProbeState(ok=False, reason="OperationalError: connection refused", since=...)
    probe.stop()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hub.observability.quiet import short_reason

__all__ = ["PROBE_INTERVAL", "PROBE_TIMEOUT", "BackgroundProbe", "ProbeState"]

PROBE_INTERVAL = 5.0  # seconds between two checks
PROBE_TIMEOUT = 3.0  # seconds a check may take before the dependency counts as failing

log = logging.getLogger("onepoint.probes")


@dataclass(frozen=True, slots=True)
class ProbeState:
    """The last known state: ``ok``, why not (``reason``) and since when (``time.monotonic``)."""

    ok: bool
    reason: str | None = None
    since: float = 0.0


class BackgroundProbe:
    """The last outcome of ``check`` (which raises when the dependency fails), checked every ``interval`` s."""

    def __init__(self, name: str, check: Callable[[], None], *, interval: float = PROBE_INTERVAL,
                 timeout: float = PROBE_TIMEOUT, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.interval = interval
        self.timeout = timeout
        self._check = check
        self._clock = clock
        self._state = ProbeState(True, None, clock())
        self._checking_since: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check_now(self) -> ProbeState:
        """Run the check once in this thread and keep its outcome (the thread does this every ``interval`` s)."""
        self._checking_since = self._clock()
        try:
            self._check()
        except Exception as exc:
            self._record(False, short_reason(exc))
        else:
            self._record(True, None)
        finally:
            self._checking_since = None
        return self._state

    def _record(self, ok: bool, reason: str | None) -> None:
        before = self._state
        if ok == before.ok:
            self._state = ProbeState(ok, reason, before.since)
            return
        self._state = ProbeState(ok, reason, self._clock())
        if ok:
            lasted = round(self._clock() - before.since, 1)
            log.warning("dependency answers again", extra={"dependency": self.name, "failed_for_seconds": lasted})
        else:
            log.warning("dependency failing", extra={"dependency": self.name, "reason": reason})

    def state(self) -> ProbeState:
        """The last known state; failing if a check under way has taken longer than ``timeout``."""
        started = self._checking_since
        if started is not None and self._clock() - started > self.timeout:
            since = self._state.since if not self._state.ok else started
            return ProbeState(False, f"no answer within {self.timeout:g} s", since)
        return self._state

    def ok(self) -> bool:
        return self.state().ok

    def start(self) -> BackgroundProbe:
        """Check once now (the state is known from the start), then every ``interval`` seconds in a thread."""
        self.check_now()
        self._thread = threading.Thread(target=self._run, name=f"probe-{self.name}", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check_now()

    def stop(self) -> None:
        """Stop checking; a check under way is not waited for longer than ``timeout``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout)
