"""Which dead letters a listing shows: by reason, by age, the first ``limit`` of each DLQ (`hub.workers.dlq`).

A filter or a limit narrows what is *shown*, not the pass: the pass still goes over the whole DLQ, because a pass
that stopped after ``limit`` letters would leave the ones it took behind the ones it did not reach (a letter taken
from a quorum queue goes back to its tail, moved or requeued alike), rotating the DLQ. To learn only how many there
are, ``count`` reads the depths without taking a letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.workers.dead_letter import DeadLetter

__all__ = ["LetterFilter"]


@dataclass(frozen=True, slots=True)
class LetterFilter:
    reason: str | None = None  # a part of the reason, any case
    older_than: timedelta | None = None  # since its first failure (over replays); an unknown age never matches
    limit: int | None = None  # the first (oldest) letters that match, per DLQ (DLQs in configuration order)

    def matches(self, letter: DeadLetter, now: datetime) -> bool:
        if self.reason is not None and self.reason.casefold() not in letter.reason.casefold():
            return False
        if self.older_than is None:
            return True
        first = _when(letter.first_dead)
        return first is not None and now - first >= self.older_than

    def full(self, kept: int) -> bool:
        return self.limit is not None and kept >= self.limit


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        then = datetime.fromisoformat(text)
    except ValueError:
        return None
    return then if then.tzinfo is not None else then.replace(tzinfo=UTC)
