"""What the deadline scheduler writes when a limit comes near or is breached: the words of the history entry and of
the reminder or escalation the manager reads (docs/deadlines.md).

Instants are in the operator's zone (``[workflow] statistics_timezone``, as ``onepoint workorders show`` prints
them), to the second, their offset given. A warning states the limit itself, not the warning's own due time (the
return visit's says the visit is owed: the customer has the reply); one fired while its limit is paused (the work
order was suspended or pending after the warning came due) states the business time the limit has left instead. A
breach states the limit breached: level 1's row is due at the limit, a later level's at the limit plus the
escalation intervals, so from level 2 on the limit is read from the work order and the level named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.workflow.clock import operator_instant
from hub.workflow.deadlines import DeadlineKind, Due
from hub.workflow.engine import WorkOrderEngine
from hub.workflow.limit_columns import LIMIT_COLUMNS

__all__ = ["WarningWords", "breach_words", "business_span", "local_instant", "warning_words"]

Row = Mapping[str, Any]
History = Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class WarningWords:
    """A warning's words: ``due`` the limit's instant (None while it is paused), ``entry`` the history value
    (``REPLY due …`` / ``REPLY paused with … of business time left``), ``reason`` the reminder's summary."""

    due: datetime | None
    entry: str
    reason: str


def local_instant(engine: WorkOrderEngine, instant: datetime) -> str:
    """``instant`` as the operator reads it (``2026-11-23T15:15:00+08:00``): ``clock.operator_instant`` in the
    engine's zone."""
    return operator_instant(instant, engine.settings.local_zone)


def business_span(business_time: timedelta | None) -> str:
    """Business time as a reminder says it: ``1 h 30 min``, ``45 min`` (to the minute, rounded up)."""
    minutes = -(-int((business_time or timedelta()).total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def warning_words(engine: WorkOrderEngine, row: Row, history: History, limit: DeadlineKind) -> WarningWords:
    """The words of ``limit``'s warning on the work order ``row``: its stored instant, else computed from the
    history (paused: no instant, the business time left)."""
    stored = row.get(LIMIT_COLUMNS[limit])
    limit_due = Due(stored) if isinstance(stored, datetime) else engine.limit_due(row, history, limit)
    due = limit_due.at
    if due is not None:
        value, said = f"due {local_instant(engine, due)}", f"deadline at {local_instant(engine, due)}"
    else:
        value = f"paused with {business_span(limit_due.remaining)} of business time left"
        said = f"deadline {value}"
    if limit is DeadlineKind.RETURN_VISIT:  # the customer has the reply: the visit is what is owed
        owed = "a return visit is owed by then" if due is not None else "a return visit is owed"
        return WarningWords(due, f"{limit.value} {value}",
                            f"{limit.value} {said}: work order {row['id']} was replied; {owed}")
    return WarningWords(due, f"{limit.value} {value}",
                        f"{limit.value} {said}: work order {row['id']} is not answered yet")


def breach_words(engine: WorkOrderEngine, row: Row, history: History, limit: DeadlineKind, level: int,
                 row_due_at: datetime) -> str:
    """What a breach of ``limit`` at escalation ``level`` says (``row_due_at``: when its deadline row was due)."""
    if level <= 1:
        return f"{limit.value} deadline {local_instant(engine, row_due_at)} breached"
    stored = row.get(LIMIT_COLUMNS[limit])
    due = stored if isinstance(stored, datetime) else _computed_limit(engine, row, history, limit)
    when = f" {local_instant(engine, due)}" if due is not None else ""
    return f"{limit.value} deadline{when} breached (level {level})"


def _computed_limit(engine: WorkOrderEngine, row: Row, history: History, limit: DeadlineKind) -> datetime | None:
    """The limit's instant as the history stands (None: paused, or no such limit to place)."""
    try:
        return engine.limit_due(row, history, limit).at
    except ValueError:
        return None

