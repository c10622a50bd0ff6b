"""The period of an SMS-log query, read as ``xs:dateTime`` defines it (``c:Timestamp``: always with an offset).

XSD allows what Python's ``datetime.fromisoformat`` does not: ``T24:00:00`` (00:00 of the next day, read as
such), years beyond 9999 or before 1 (``10000-01-01T00:00:00Z``, ``-0001-…``), more than six decimals of a
second. A year outside 1-9999 is clamped to the first or last moment a datetime holds (no SMS record lies beyond
either, so the query asks for the same records) and kept as written for the audit row; the rest are exact.
A text that is no ``c:Timestamp`` at all cannot come past the ingress's validation, and is refused.

A period may cover at most the limit of ``[adapters.dsmp] sms_log_max_days`` (``check_period_length``, from its
first to its last moment, both inclusive): a longer one is refused (``PeriodTooLong``, ``period-too-long``) before
DSMP is asked, as is one with an end outside years 1-9999, whose length no datetime can measure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from adapters.dsmp.refusals import PeriodRefused, PeriodTooLong
from hub.validation.instants import InstantBeyondRange, InstantUnreadable, read_written_instant

__all__ = ["Moment", "check_period", "check_period_length", "read_moment"]

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


def check_period_length(start: Moment, end: Moment, limit: timedelta) -> None:
    """``PeriodTooLong`` when the period from ``start`` to ``end`` covers more than ``limit`` (whole days), or has
    an end no datetime holds (its length cannot be measured against the limit)."""
    days = limit.days
    if not (start.exact and end.exact):
        raise PeriodTooLong(f"{start.text} to {end.text}, an end outside years 1-9999 (its length cannot be "
                            "measured)", days)
    asked = end.at - start.at
    if asked > limit:
        raise PeriodTooLong(f"{start.text} to {end.text} covers {_length(asked)}", days)


def _length(span: timedelta) -> str:
    """``33 days``, ``33 days 23:59:59``: a period's length as the refusal names it."""
    whole = f"{span.days} day{'' if span.days == 1 else 's'}"
    rest = span - timedelta(days=span.days)
    if not rest:
        return whole
    minutes, seconds = divmod(int(rest.total_seconds()), 60)
    return f"{whole} {minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}"
