"""The period of an SMS-log query, read as ``xs:dateTime`` defines it (``c:Timestamp``: always with an offset).

XSD allows what Python's ``datetime.fromisoformat`` does not: ``T24:00:00`` (00:00 of the next day, read as
such), years beyond 9999 or before 1 (``10000-01-01T00:00:00Z``, ``-0001-…``), more than six decimals of a
second. A year outside 1-9999 is clamped to the first or last moment a datetime holds (no SMS record lies beyond
either, so the query asks for the same records) and kept as written for the audit row; the rest are exact.
A text that is no ``c:Timestamp`` at all cannot come past the ingress's validation, and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from adapters.dsmp.refusals import PeriodRefused
from hub.validation.instants import InstantBeyondRange, InstantUnreadable, read_written_instant

__all__ = ["Moment", "check_period", "read_moment"]

# the earliest and latest moments a datetime holds (offsets of almost a day, beyond the ±14:00 of XSD): every time
# written with a year in 1-9999 lies between them, so a clamped end never reverses a period
_FIRST = datetime.min.replace(tzinfo=timezone(timedelta(hours=23, minutes=59)))
_LAST = datetime.max.replace(tzinfo=timezone(-timedelta(hours=23, minutes=59)))


@dataclass(frozen=True, slots=True)
class Moment:
    """One end of a period: ``text`` as written, ``at`` the moment it means (clamped when not ``exact``)."""

    text: str
    at: datetime
    exact: bool = True
    end_of_day: bool = False  # written as T24:00:00

    @property
    def audited(self) -> datetime | str:
        """What the audit row keeps: the moment (in UTC there), or the text when no datetime holds it."""
        return self.at if self.exact else self.text

    @property
    def forwarded(self) -> str:
        """As DSMP is sent it: ``T24:00:00`` as 00:00 of the next day (same offset), anything else as written."""
        return self.at.isoformat() if self.exact and self.end_of_day else self.text


def read_moment(text: str) -> Moment:
    """``text`` (an ``xs:dateTime`` with offset) as a ``Moment``; ``PeriodRefused`` if it is none."""
    try:
        parts = read_written_instant(text)
    except InstantUnreadable as exc:
        raise PeriodRefused(str(exc)) from None
    if parts.year < 1 or parts.year > 9999:
        return Moment(parts.text, _FIRST if parts.year < 1 else _LAST, exact=False, end_of_day=parts.end_of_day)
    try:
        at = parts.local()
    except InstantBeyondRange:  # 9999-12-31T24:00:00: the day after the last one a datetime holds
        return Moment(parts.text, _LAST, exact=False, end_of_day=True)
    except InstantUnreadable as exc:  # a 30 February, a minute 61: no xs:dateTime either
        raise PeriodRefused(str(exc)) from None
    return Moment(parts.text, at, end_of_day=parts.end_of_day)


def check_period(start: Moment, end: Moment) -> None:
    """``PeriodRefused`` when the period ends before it starts (both ends are inclusive: one moment is a period)."""
    if end.at < start.at:
        raise PeriodRefused(f"it ends ({end.text}) before it starts ({start.text})")
