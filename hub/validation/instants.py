"""Instants read as ``xs:dateTime`` defines them (``c:Timestamp``: always with a UTC offset).

XSD allows what Python's ``datetime.fromisoformat`` does not: ``T24:00:00`` (00:00 of the next day, the same
moment), more than six decimals of a second, and years beyond 1-9999. ``read_instant`` reads the first two exactly
and refuses a moment no ``datetime`` holds in UTC (``InstantBeyondRange``, a ``ValueError``), so a reader that
keeps the moment can answer its caller instead of failing later when it converts or stores it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["InstantBeyondRange", "InstantUnreadable", "WrittenInstant", "read_instant", "read_written_instant"]

_DATETIME = re.compile(r"(-?)([0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
                       r"(Z|[+\-][0-9]{2}:[0-9]{2})")


class InstantUnreadable(ValueError):
    """The text is no ``xs:dateTime`` with an offset (the ingress's validation lets none through)."""


class InstantBeyondRange(InstantUnreadable):
    """A valid ``xs:dateTime`` whose moment lies outside what a ``datetime`` holds in UTC (years 1-9999)."""


@dataclass(frozen=True, slots=True)
class WrittenInstant:
    """The parts of an ``xs:dateTime`` as written: ``year`` may lie outside 1-9999, ``end_of_day`` is T24:00:00."""

    text: str
    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    microsecond: int
    offset: timezone
    end_of_day: bool

    def local(self) -> datetime:
        """The moment in its own offset; ``InstantBeyondRange`` outside years 1-9999, ``InstantUnreadable``
        for a day that does not exist."""
        if not 1 <= self.year <= 9999:
            raise InstantBeyondRange(f"{self.text!r}: the year lies outside 1-9999")
        try:
            at = datetime(self.year, self.month, self.day, self.hour, self.minute, self.second, self.microsecond,
                          tzinfo=self.offset)
        except ValueError as exc:
            raise InstantUnreadable(f"{self.text!r}: {exc}") from None
        if not self.end_of_day:
            return at
        try:
            return at + timedelta(days=1)
        except OverflowError:  # 9999-12-31T24:00:00: the day after the last one a datetime holds
            raise InstantBeyondRange(f"{self.text!r}: the day after the last one a datetime holds") from None


def _offset(zone: str) -> timezone:
    if zone == "Z":
        return UTC
    sign = -1 if zone[0] == "-" else 1
    return timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))


def read_written_instant(text: str) -> WrittenInstant:
    """The parts of ``text``; ``InstantUnreadable`` when it is no ``xs:dateTime`` with an offset."""
    written = text.strip()
    found = _DATETIME.fullmatch(written)
    if found is None:
        raise InstantUnreadable(f"{written[:40]!r} is not a time with an offset (xs:dateTime)")
    sign, year_text, month, day, hour, minute, second, fraction, zone = found.groups()
    end_of_day = hour == "24"
    if end_of_day and (minute, second, (fraction or "0").strip("0")) != ("00", "00", ""):
        raise InstantUnreadable(f"{written!r}: hour 24 is only 24:00:00 (the end of the day)")
    if abs(int(zone[1:3] if zone != "Z" else "0")) > 14:
        raise InstantUnreadable(f"{written!r}: an offset is at most 14 hours")
    return WrittenInstant(written, -int(year_text) if sign else int(year_text), int(month), int(day),
                          0 if end_of_day else int(hour), int(minute), int(second),
                          int((fraction or "0")[:6].ljust(6, "0")), _offset(zone), end_of_day)


def read_instant(text: str) -> datetime:
    """``text`` as an aware ``datetime`` in its own offset (T24:00:00 as 00:00 of the next day).

    ``InstantBeyondRange`` when the moment, or the same moment in UTC, lies outside years 1-9999;
    ``InstantUnreadable`` when the text is no ``xs:dateTime`` with an offset or names no day (a 30 February).
    """
    at = read_written_instant(text).local()
    try:
        at.astimezone(UTC)
    except OverflowError:
        raise InstantBeyondRange(f"{text.strip()!r}: the moment lies outside years 1-9999 in UTC") from None
    return at
