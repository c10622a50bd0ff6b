"""OA's completion of a to-do the hub had already finished with: noted, never refused.

The hub closes a to-do in OA (``oa:CompleteTodo`` from the hub, an ``oa_todo_closed`` entry: ``hub.workflow.todos``,
``hub.workflow.department_todos``) when the work order no longer needs it: cancelled, closed, replied, handed on.
A manager may complete it in OA before the hub's close gets there (OA briefly failing for the hub, or both at the
same moment). OA's CompleteTodo call-back has no answer, so refusing it would only dead-letter a letter nobody
can act on, on every such race; it is noted in the work order's history instead (field ``oa_todo_late``, the
item id and the outcome, by the OA user, the note ``CLOSED_NOTE``), the state and the to-dos left alone, and the
call-back acked. So is the completion of an escalation to-do still open on a finished work order (a history from
before the hub closed them). Noted once: OA sending it again under another MessageId writes nothing more.

A to-do the hub never opened (``unknown-todo``), or one OA completed already while it was open (``stale-todo``),
stays refused (``hub.workflow.system_callbacks``). The shape is every late answer's (``hub.workflow.late_answers``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow.engine import WorkOrderEngine
from hub.workflow.late_answers import LateAnswer, note_late_answer
from hub.workflow.lifecycle import FINAL
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.todos import CLOSED_FIELD

__all__ = ["CLOSED_NOTE", "LATE_FIELD", "CompletedLate", "late_completion", "note_late_completion"]

LATE_FIELD = "oa_todo_late"  # the history field: "<item id>: <outcome>" of a to-do the hub had finished with
CLOSED_NOTE = "to-do already closed by the hub; completion noted"
_FINISHED = frozenset(state.value for state in FINAL)


class CompletedLate(LateAnswer):
    """OA completed a to-do the hub had finished with: ``note`` says why it is only noted; ``noted_before``: this
    to-do's completion is in the history already (nothing to write)."""


def _item(entry: Mapping[str, Any]) -> str:
    return str(entry["new_value"] or "").partition(": ")[0]


def late_completion(row: Mapping[str, Any], history: Sequence[Mapping[str, Any]], item_id: str, *,
                    still_open: bool) -> CompletedLate | None:
    """Why OA's completion of ``item_id`` is only noted: the hub closed that to-do, or the work order ``row`` is
    finished and the to-do was still open for the user completing it (``still_open``); None when neither (the
    completion is taken, or refused, as before)."""
    closed = False
    for entry in history:
        if entry["kind"] != "field":
            continue
        if entry["field"] == LATE_FIELD and _item(entry) == item_id:
            return CompletedLate(str(entry["note"] or CLOSED_NOTE), noted_before=True)
        if entry["field"] == CLOSED_FIELD and entry["new_value"] == item_id:
            closed = True
    if closed:
        return CompletedLate(CLOSED_NOTE)
    if still_open and row["state"] in _FINISHED:
        return CompletedLate(f"work order {str(row['state']).lower()}: the to-do was no longer wanted; "
                             "completion noted")
    return None


def note_late_completion(engine: WorkOrderEngine, tx: WorkOrderTransaction, work_order_id: str, item_id: str,
                         late: CompletedLate, *, user: str, outcome: str, now: datetime,
                         message_id: str | None) -> str:
    """Note ``late`` in the work order's history (once), in the call-back's transaction; the handler's outcome."""
    note_late_answer(engine, tx, work_order_id, late, field=LATE_FIELD, value=f"{item_id}: {outcome}", actor=user,
                     system="OA", now=now, message_id=message_id)
    return f"to-do {item_id} completed in OA after the hub finished with it: noted"
