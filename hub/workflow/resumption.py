"""What a resumed work order goes on to: an answer that came while it was SUSPENDED is recorded then (its state left
alone), and carried out when it resumes, whoever resumes it (the caller's Resume, the scheduler at Until), so the
work order never waits for an answer that already came (docs/lifecycle.md):

* resumed to DISPATCHED, NSP's reply to its last dispatch (``effects.dispatch_answer``): START by NSP's staff;
* resumed to ESCALATED, OA's completion of its hand-up's to-do (the ``oa_todo`` entry the CompleteTodo handler
  writes; a breach notice's only when the hand-up's to-do was closed): START by the manager, as the completion
  does for an ESCALATED work order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.workflow.effects import dispatch_answer
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState

__all__ = ["TODO_FIELD", "AnsweredWhileSuspended", "answered_while_suspended", "todo_completion"]

TODO_FIELD = "oa_todo"  # the history field of OA's CompleteTodo: "<item id>: <outcome>"
_CLOSED_FIELD = "oa_todo_closed"  # todos.CLOSED_FIELD (hub.workflow.todos imports this module)
_ESCALATE = LifecycleAction.ESCALATE.value


def _taking_up_levels(history: Sequence[Mapping[str, Any]], work_order_id: str, current: int) -> list[int]:
    """The levels whose to-do's completion takes an ESCALATED work order up (as ``todos.takes_escalated_up``): the
    latest hand-up's, its department owning the work order; the current level's too when the hub closed the
    hand-up's to-do (a breach did so before it kept them apart) or there was none."""
    level, hand_up = 0, None
    for entry in history:
        if entry["kind"] == "state" and entry["action"] == _ESCALATE:
            level += 1
            hand_up = level
        elif entry["kind"] == "field" and entry["field"] == "escalation_level" and entry["action"] == _ESCALATE:
            level = int(entry["new_value"] or level)
    if hand_up is None:
        return [current]
    closed = any(entry["kind"] == "field" and entry["field"] == _CLOSED_FIELD
                 and entry["new_value"] == f"{work_order_id}-esc{hand_up}-0" for entry in history)
    return [hand_up, current] if closed else [hand_up]


@dataclass(frozen=True, slots=True)
class AnsweredWhileSuspended:
    """The START a resumed work order owes the answer it got while suspended: by whom, from which system, why."""

    actor: str
    system: str
    note: str


def todo_completion(history: Sequence[Mapping[str, Any]], work_order_id: str,
                    level: int) -> Mapping[str, Any] | None:
    """OA's completion of the escalation to-do ``<id>-esc<level>-<step>`` since the work order was last handed up
    (its latest ESCALATE state entry); None when the manager has not completed it."""
    prefix = f"{work_order_id}-esc{level}-"
    for index in range(len(history) - 1, -1, -1):
        entry: Mapping[str, Any] = history[index]
        if entry["kind"] == "state" and entry["action"] == LifecycleAction.ESCALATE.value:
            return None
        if (entry["kind"] == "field" and entry["system"] == "OA" and entry["field"] == TODO_FIELD
                and str(entry["new_value"] or "").startswith(prefix)):
            return entry
    return None


def answered_while_suspended(history: Sequence[Mapping[str, Any]], row: Mapping[str, Any],
                             resumed_to: WorkOrderState) -> AnsweredWhileSuspended | None:
    """The answer a work order resumed to ``resumed_to`` got while suspended (``history``: before the RESUME);
    None when it still waits for one."""
    if resumed_to is WorkOrderState.DISPATCHED:
        nsp = dispatch_answer(history)
        if nsp is None:
            return None
        return AnsweredWhileSuspended(nsp["actor"] or "NSP", "NSP",
                                      f"NSP answered while suspended: {nsp['new_value'] or ''}"[:200])
    if resumed_to is WorkOrderState.ESCALATED:
        done = next((entry for level in _taking_up_levels(history, str(row["id"]), int(row["escalation_level"] or 0))
                     if (entry := todo_completion(history, str(row["id"]), level)) is not None), None)
        if done is None:
            return None
        outcome = str(done["new_value"] or "").partition(": ")[2] or "completed"
        return AnsweredWhileSuspended(done["actor"] or "OA", "OA",
                                      f"OA to-do completed while suspended: {outcome}"[:200])
    return None
