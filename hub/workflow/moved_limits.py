"""What a recalculation's history says (docs/deadlines.md, "a limit the rules move"): a ``RECALCULATE`` entry per
column that moved (``priority``, ``first_response_due``, ``reply_due``, ``return_visit_due``: old → new), its note
the cause, ``SLA table <version>`` or ``calendar <name> <version>`` (the calendars the work order's owners work
by), both joined by ``and``. A work order none of whose columns moved gets no entry (its versions are updated all
the same): before, every work order got ``sla_version`` old → new with ``deadlines recalculated``, the same value
twice after a calendar edit, and an entry for an edit that moved nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.workflow.deadlines import calendar_version
from hub.workflow.store import HistoryEntry, WorkOrderView
from hub.workflow.work_order_timing import WorkOrderTiming

__all__ = ["RECALCULATE", "change_cause", "moved_limits"]

RECALCULATE = "RECALCULATE"
_COLUMNS = ("priority", "first_response_due", "reply_due", "return_visit_due")


def change_cause(engine: WorkOrderTiming, view: WorkOrderView) -> str:
    """The rules in force that the work order ``view`` was not computed from: ``SLA table 1a2b…``, ``calendar
    network_ops 3c4d…`` (each owner's calendar, once), or both."""
    row = view.row
    causes = []
    if row["sla_version"] != engine.sla.version:
        causes.append(f"SLA table {engine.sla.version}")
    facts = engine.timing_facts(row, view.history)
    if row["calendar_version"] != calendar_version(facts, engine.calendars):
        owners = [facts.department, *(department for _, department in facts.handovers)]
        names = dict.fromkeys(f"{calendar.name} {calendar.version}"
                              for calendar in map(engine.calendars.for_department, owners))
        causes.append(f"calendar {', '.join(names)}")
    return " and ".join(causes) or f"SLA table {engine.sla.version}"


def moved_limits(stored: Mapping[str, Any], columns: Mapping[str, Any], cause: str,
                 now: datetime) -> list[HistoryEntry]:
    """A ``RECALCULATE`` entry per column of ``columns`` that differs from the ``stored`` row's."""
    return [HistoryEntry(at=now, kind="field", actor="hub", system="HUB", action=RECALCULATE, field=column,
                         old_value=_text(stored.get(column)), new_value=_text(columns.get(column)), note=cause)
            for column in _COLUMNS if column in columns and columns[column] != stored.get(column)]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
