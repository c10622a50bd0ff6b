"""Where the workflow reads the time: a `Clock` that production takes from the system and tests set by hand.

Every deadline rule takes a clock (or a ``now``) instead of calling ``datetime.now`` so that tests move time
forward with `ManualClock.advance` and never sleep.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock", "as_utc", "operator_instant"]


def as_utc(instant: datetime) -> datetime:
    """``instant`` in UTC; a naive datetime is refused (its meaning would depend on the machine's zone)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()}: give a time zone")
    return instant.astimezone(UTC)


def operator_instant(instant: datetime, zone: tzinfo) -> str:
    """``instant`` as the operator reads it in a note, a reason or a to-read: in ``zone`` (``[workflow]
    statistics_timezone``, the zone ``onepoint workorders show`` prints the history in), to the second, its offset
    given (``2026-11-23T15:15:00+08:00``). An xs:dateTime value of a document stays as it is."""
    return instant.astimezone(zone).isoformat(timespec="seconds")


@runtime_checkable
class Clock(Protocol):
    """Tells the current instant, aware and in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until told: `advance` moves it forward, `set` puts it anywhere (tests)."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> datetime:
        """Move forward by ``by`` (never backwards: a clock that runs back would un-breach deadlines)."""
        if by < timedelta(0):
            raise ValueError(f"a clock does not run backwards ({by})")
        self._now += by
        return self._now

    def set(self, instant: datetime) -> datetime:
        self._now = as_utc(instant)
        return self._now
