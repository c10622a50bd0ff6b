"""Simulated time: a province day played in minutes. One ``SimulatedTime`` maps real seconds onto simulated ones
(``speed`` simulated seconds per real second, from ``day_start``); the hub's workflow and the NSP emulator read it
as their clock, so deadlines, SLA figures and the notices' times are all in simulated time.

The hub's other parts (the ingress, the broker, the workers' processed-message stamps) keep real time: only what
the figures are made of runs on the simulated clock. A work order begins at the ingress's receipt stamp unless that
is later than the workflow's clock (``Complaint.accepted_at``): the simulated days (``scenario.FIRST_MONDAY``'s
week) lie before any real date the simulator runs on, so every work order begins at simulated time.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from hub.workflow.clock import as_utc

__all__ = ["EmulatorClock", "SimulatedTime"]


class SimulatedTime:
    """``now()``: the simulated instant (aware, UTC), the workflow's ``Clock``; ``at(instant)``: the real
    ``time.monotonic()`` when the simulated clock shows ``instant``."""

    def __init__(self, day_start: datetime, speed: float) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.day_start = as_utc(day_start)
        self.speed = speed
        self._origin = time.monotonic()
        self._skipped = 0.0  # simulated seconds jumped over

    def restart(self) -> None:
        """Put the simulated clock back at ``day_start`` now (when the play begins, after the system started)."""
        self._origin, self._skipped = time.monotonic(), 0.0

    def elapsed(self) -> float:
        """Simulated seconds since ``day_start``."""
        return (time.monotonic() - self._origin) * self.speed + self._skipped

    def skip_to(self, instant: datetime) -> None:
        """Jump forward to ``instant`` (nothing happens when it is not ahead)."""
        ahead = (as_utc(instant) - self.now()).total_seconds()
        if ahead > 0:
            self._skipped += ahead

    @property
    def skipped(self) -> float:
        return self._skipped

    def now(self) -> datetime:
        return self.day_start + timedelta(seconds=self.elapsed())

    def real_wait(self, instant: datetime) -> float:
        """Real seconds until the simulated clock shows ``instant`` (negative: already past)."""
        return (as_utc(instant) - self.now()).total_seconds() / self.speed


class EmulatorClock:
    """The same simulated time in the emulator toolkit's shape (epoch seconds, monotonic seconds, sleep)."""

    def __init__(self, time_: SimulatedTime) -> None:
        self.time = time_

    def now(self) -> float:
        return self.time.now().timestamp()

    def monotonic(self) -> float:
        return self.time.elapsed()

    async def sleep(self, seconds: float, releaser: object) -> bool:
        wait = getattr(releaser, "wait", None)
        if seconds <= 0 or wait is None:
            return True
        return not await wait(seconds / self.time.speed)


