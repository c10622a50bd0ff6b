"""The progress bar of ``onepoint simulate`` on stderr: the simulated clock over the day, complaints taken, steps
played, the steps running and the lag. Drawn in place on a terminal at most five times a second; silent when
stderr is not a terminal (a script's log stays clean). Each line is cut to the terminal's width and clears what
is left of the previous one: a line that wrapped would leave a copy behind at every redraw."""

from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import datetime
from typing import TextIO

from hub.simulate.cases import PlayLog
from hub.simulate.scenario import CHINA

__all__ = ["ProgressBar"]

WIDTH = 30
CLEAR_TO_END = "\x1b[K"  # erase what a longer previous line left on the rest of the row


def columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` writes to (the one ``shutil`` finds, else 80, when it has none)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return shutil.get_terminal_size().columns


class ProgressBar:
    """``ProgressBar(day_start, total, label=...)``: call it with (log, now, running); ``done()`` ends the line."""

    def __init__(self, day_start: datetime, total: int, *, label: str = "", stream: TextIO | None = None,
                 interval: float = 0.2) -> None:
        self.day_start, self.total, self.label = day_start, total, label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.interval = interval
        self._drawn = 0.0

    def __call__(self, log: PlayLog, now: datetime, running: int) -> None:
        if not self.enabled or time.monotonic() - self._drawn < self.interval:
            return
        self._drawn = time.monotonic()
        hours = (now - self.day_start).total_seconds() / 3600
        filled = min(WIDTH, max(0, int(WIDTH * hours / 24)))
        day = "day" if hours < 24 else f"day+{hours - 24:.0f}h"
        line = (f"{self.label}[{'#' * filled}{'.' * (WIDTH - filled)}] {now.astimezone(CHINA):%H:%M} ({day}) · "
                f"{len(log.cases)}/{self.total} complaints · {log.steps} steps · {running} running · "
                f"lag {log.max_lag_seconds / 60:.0f} min")
        room = max(columns(self.stream) - 1 - len(CLEAR_TO_END), 1)  # the escape's bytes too: a typescript of the
        self.stream.write(f"\r{line[:room]}{CLEAR_TO_END}")  # session does not wrap either
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
