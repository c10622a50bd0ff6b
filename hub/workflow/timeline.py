"""A work order's running SLA clock: the stretches where it runs (each owner's calendar, less the pauses) and the
instant at which a business duration has run on them.

A pause that has not ended stops the stretches: a duration not reached before it has no instant yet, only the time
it has left (`Due` with ``at=None``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.workflow.calendar import BusinessCalendar
from hub.workflow.clock import as_utc

__all__ = ["Due", "Segment", "due_after", "merged_pauses", "run_before", "running"]

Segment = tuple[datetime, datetime | None, BusinessCalendar]  # the clock runs in [start, end) on this calendar


@dataclass(frozen=True, slots=True)
class Due:
    """A due instant, or (``at`` is ``None``) paused with ``remaining`` business time left when the clock resumes."""

    at: datetime | None
    remaining: timedelta | None = None

    @property
    def paused(self) -> bool:
        return self.at is None


def due_after(limit: timedelta, segments: Sequence[Segment]) -> Due:
    """The instant ``limit`` of business time has run on ``segments``; paused if they stop at an open pause."""
    remaining = limit
    for start, end, calendar in segments:
        candidate = calendar.add(start, remaining)
        if end is None or candidate <= end:
            return Due(candidate)
        remaining -= calendar.elapsed(start, end)
    return Due(None, remaining)  # the segments stop at a pause that has not ended


def run_before(instant: datetime, segments: Sequence[Segment]) -> timedelta:
    """The business time run on ``segments`` before ``instant`` (the clock's reading then)."""
    run = timedelta()
    for start, end, calendar in segments:
        if start >= instant:
            break
        run += calendar.elapsed(start, instant if end is None or end > instant else end)
    return run


def merged_pauses(closed: Iterable[tuple[datetime, datetime]], paused_since: datetime | None,
                  ) -> list[tuple[datetime, datetime | None]]:
    """The pauses in time order, overlaps merged, the current one (if any) open-ended."""
    intervals: list[tuple[datetime, datetime | None]] = []
    for start, end in closed:
        first, last = as_utc(start), as_utc(end)
        if last < first:
            raise ValueError(f"pause ends {last.isoformat()} before it starts {first.isoformat()}")
        intervals.append((first, last))
    if paused_since is not None:
        intervals.append((as_utc(paused_since), None))
    intervals.sort(key=lambda pause: pause[0])
    merged: list[tuple[datetime, datetime | None]] = []
    for begin, finish in intervals:
        if merged and (merged[-1][1] is None or begin <= merged[-1][1]):
            previous_start, previous_end = merged[-1]
            merged[-1] = (previous_start, None if finish is None or previous_end is None else max(finish, previous_end))
        else:
            merged.append((begin, finish))
    return merged


def running(start: datetime, owners: Sequence[tuple[datetime, BusinessCalendar]],
            pauses: Sequence[tuple[datetime, datetime | None]]) -> list[Segment]:
    """The stretches from ``start`` where the clock runs: each owner (``(since, calendar)``, in order) less the
    pauses (as `merged_pauses` gives them); they stop at a pause that has not ended."""
    return list(_iter_running(start, owners, pauses))


def _iter_running(start: datetime, owners: Sequence[tuple[datetime, BusinessCalendar]],
                  pauses: Sequence[tuple[datetime, datetime | None]]) -> Iterator[Segment]:
    for index, (since, calendar) in enumerate(owners):
        until = owners[index + 1][0] if index + 1 < len(owners) else None
        cursor = max(since, start)
        if until is not None and until <= cursor:
            continue
        for pause_start, pause_end in pauses:
            if pause_end is not None and pause_end <= cursor:
                continue
            if until is not None and pause_start >= until:
                break
            if pause_start > cursor:
                yield cursor, pause_start, calendar
            if pause_end is None:
                return  # paused now: the clock has not run since
            cursor = max(cursor, pause_end)
            if until is not None and cursor >= until:
                break
        if until is None or cursor < until:
            yield cursor, until, calendar
