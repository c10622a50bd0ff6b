"""Logging for events that come in floods, so an outage is a few lines, not a line per attempt.

``QuietLog``: one WARNING line for an event that repeats (a broker outage seen by every request, throttled
sign-ins), then at most one every ``interval`` seconds counting the events in between (``since_last_line``).

``OutageLog``: the failures of a loop that tries again and again (a background thread whose database is down):
the first failure is logged once with its traceback (ERROR), the ones after it while it lasts as a short WARNING
line at most every ``interval`` seconds (a ``QuietLog``: no traceback, the reason, how long it has lasted, how many
failures were not logged), and the first success after them once (WARNING ``<what> works again``, with how long
the outage lasted and how many failures it had)::

    failures = OutageLog(log, "event publisher")
    while running:
        try:
            tick()
        except Exception as exc:
            failures.failed(exc)
        else:
            failures.succeeded()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

__all__ = ["OutageLog", "QuietLog", "short_reason"]

REASON_LENGTH = 300  # characters of an error kept on a short line


def short_reason(exc: BaseException) -> str:
    """``Type: message`` of the error's first line (a database driver's own error without SQLAlchemy's wrapping)."""
    reason = getattr(exc, "orig", None) or exc
    first = (str(reason).strip().splitlines() or [""])[0]
    text = f"{type(reason).__name__}: {first}" if first else type(reason).__name__
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"


class QuietLog:
    """One WARNING line for an event that comes in floods (a broker outage, throttled sign-ins), then at most
    one every ``interval`` seconds counting the events in between: never a line per request."""

    def __init__(self, event: str, interval: float = 10.0, clock: Callable[[], float] = time.monotonic, *,
                 logger: logging.Logger | None = None) -> None:
        self.event = event
        self.interval = interval
        self.logger = logger or logging.getLogger("onepoint")
        self._clock = clock
        self._last = -float("inf")
        self._quiet = 0
        self._lock = threading.Lock()

    def warn(self, **fields: object) -> None:
        with self._lock:
            now = self._clock()
            if now - self._last < self.interval:
                self._quiet += 1
                return
            quiet, self._quiet, self._last = self._quiet, 0, now
        self.logger.warning(self.event, extra={**fields, "since_last_line": quiet})

    def logged_now(self) -> None:
        """The event was just logged another way: the next line only ``interval`` seconds from now."""
        with self._lock:
            self._last, self._quiet = self._clock(), 0


class OutageLog:
    """The failures of a loop that tries again: logged when they start (with the traceback), briefly while they
    last (at most every ``interval`` seconds), and when they end. Used from one thread (the loop's)."""

    def __init__(self, logger: logging.Logger, what: str, *, event: str | None = None, interval: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``what`` fails (``event``: the first failure's line, ``"<what> failed"`` by default), ``"<what> still
        failing"`` while it lasts, ``"<what> works again"`` once it ends."""
        self.logger = logger
        self.what = what
        self.event = event or f"{what} failed"
        self._clock = clock
        self._still = QuietLog(f"{what} still failing", interval, clock, logger=logger)
        self._since: float | None = None
        self._failures = 0

    @property
    def failing(self) -> bool:
        return self._since is not None

    def failed(self, exc: BaseException, **fields: object) -> None:
        """One failure: the first of an outage with its traceback, the next ones as a short line now and then."""
        self._failures += 1
        reason = short_reason(exc)
        if self._since is None:
            self._since = self._clock()
            self.logger.error(self.event, exc_info=exc, extra={**fields, "reason": reason})
            self._still.logged_now()
            return
        self._still.warn(**fields, reason=reason, failures=self._failures,
                         failing_for_seconds=round(self._clock() - self._since, 1))

    def succeeded(self, **fields: object) -> None:
        """A success: ends an outage (one line), else nothing."""
        if self._since is None:
            return
        lasted, failures = self._clock() - self._since, self._failures
        self._since, self._failures = None, 0
        self.logger.warning(f"{self.what} works again", extra={**fields, "failures": failures,
                                                                  "failed_for_seconds": round(lasted, 1)})
