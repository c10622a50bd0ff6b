"""The period of an SMS-log query, read as ``xs:dateTime`` defines it (``c:Timestamp``: always with an offset).

XSD allows what Python's ``datetime.fromisoformat`` does not: ``T24:00:00`` (00:00 of the next day, read as
such), years beyond 9999 or before 1 (``10000-01-01T00:00:00Z``, ``-0001-…``), more than six decimals of a
second. A year outside 1-9999 is clamped to the first or last moment a datetime holds (no SMS record lies beyond
either, so the query asks for the same records) and kept as written for the audit row; the rest are exact.
A text that is no ``c:Timestamp`` at all cannot come past the ingress's validation, and is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from adapters.dsmp.refusals import PeriodRefused

__all__ = ["Moment", "check_period", "read_moment"]

_DATETIME = re.compile(r"(-?)([0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
                       r"(Z|[+\-][0-9]{2}:[0-9]{2})")
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


def _offset(zone: str) -> timezone:
    if zone == "Z":
        return UTC
    sign = -1 if zone[0] == "-" else 1
    return timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))


def read_moment(text: str) -> Moment:
    """``text`` (an ``xs:dateTime`` with offset) as a ``Moment``; ``PeriodRefused`` if it is none."""
    written = text.strip()
    found = _DATETIME.fullmatch(written)
    if found is None:
        raise PeriodRefused(f"{written[:40]!r} is not a time with an offset (xs:dateTime)")
    sign, year_text, month, day, hour, minute, second, fraction, zone = found.groups()
    year = -int(year_text) if sign else int(year_text)
    end_of_day = hour == "24"
    if end_of_day and (minute, second, (fraction or "0").strip("0")) != ("00", "00", ""):
        raise PeriodRefused(f"{written!r}: hour 24 is only 24:00:00 (the end of the day)")
    if year < 1 or year > 9999:
        return Moment(written, _FIRST if year < 1 else _LAST, exact=False, end_of_day=end_of_day)
    try:
        offset = _offset(zone)
        at = datetime(year, int(month), int(day), 0 if end_of_day else int(hour), int(minute), int(second),
                      int((fraction or "0")[:6].ljust(6, "0")), tzinfo=offset)
    except ValueError as exc:  # a 30 February, a minute 61, an offset of 24 hours: no xs:dateTime either
        raise PeriodRefused(f"{written!r}: {exc}") from None
    if end_of_day:
        try:
            at += timedelta(days=1)
        except OverflowError:  # 9999-12-31T24:00:00: the day after the last one a datetime holds
            return Moment(written, _LAST, exact=False, end_of_day=True)
    return Moment(written, at, end_of_day=end_of_day)


def check_period(start: Moment, end: Moment) -> None:
    """``PeriodRefused`` when the period ends before it starts (both ends are inclusive: one moment is a period)."""
    if end.at < start.at:
        raise PeriodRefused(f"it ends ({end.text}) before it starts ({start.text})")
