"""What a resumed work order goes on to: an answer that came while it was SUSPENDED is recorded then (its state left
alone), and carried out when it resumes, whoever resumes it (the caller's Resume, the scheduler at Until), so the
work order never waits for an answer that already came (docs/lifecycle.md):

* resumed to DISPATCHED, NSP's reply to its last dispatch (``effects.dispatch_answer``): START by NSP's staff;
* resumed to ESCALATED, OA's completion of the escalation to-do of its current level (the ``oa_todo`` entry the
  CompleteTodo handler writes): START by the manager, as the completion does for an ESCALATED work order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.workflow.effects import dispatch_answer
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState

__all__ = ["TODO_FIELD", "AnsweredWhileSuspended", "answered_while_suspended", "todo_completion"]

TODO_FIELD = "oa_todo"  # the history field of OA's CompleteTodo: "<item id>: <outcome>"


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
        done = todo_completion(history, str(row["id"]), int(row["escalation_level"] or 0))
        if done is None:
            return None
        outcome = str(done["new_value"] or "").partition(": ")[2] or "completed"
        return AnsweredWhileSuspended(done["actor"] or "OA", "OA",
                                      f"OA to-do completed while suspended: {outcome}"[:200])
    return None
