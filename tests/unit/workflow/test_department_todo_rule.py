"""The rule of hub/workflow/department_todos.py, for every move of the lifecycle table: a dispatched department's
OA to-do ends with a REJECT_DISPATCH, a REPLY (AUTO_ANSWER, RETURN_VISIT), a CANCEL or a CLOSE, and with an
ESCALATE (indeed any move but the DISPATCH that pushed it) that leaves the work order owned by another department;
every other move keeps it (START, PEND, REQUEST_INFO, SUPPLY_INFO, SUSPEND, RESUME, ACCEPT, DISPATCH, REMIND)."""

from __future__ import annotations

import pytest

from hub.workflow.department_todos import department_todo_ended
from hub.workflow.lifecycle import LIFECYCLE, SUSPENDABLE, LifecycleAction, WorkOrderState

pytestmark = pytest.mark.unit

A = LifecycleAction
DEPARTMENT = "NOC-PROV"
ENDING = {A.REJECT_DISPATCH, A.AUTO_ANSWER, A.REPLY, A.RETURN_VISIT, A.CLOSE, A.CANCEL}
KEEPING = {A.ACCEPT, A.DISPATCH, A.START, A.PEND, A.REQUEST_INFO, A.SUPPLY_INFO, A.SUSPEND, A.RESUME, A.REMIND}


def _moves() -> list[tuple[WorkOrderState, LifecycleAction, WorkOrderState]]:
    """Every move of the lifecycle table: (from, action, to), RESUME to each state a work order is suspended from."""
    moves = []
    for source, action, transition in LIFECYCLE.pairs():
        targets = [transition.target] if transition.target is not None else sorted(SUSPENDABLE)
        moves += [(source, action, target) for target in targets]
    return sorted(moves, key=lambda move: tuple(part.value for part in move))  # the same order in every process


def test_every_action_is_decided() -> None:
    assert ENDING | KEEPING | {A.ESCALATE} == set(LifecycleAction) and not ENDING & KEEPING


@pytest.mark.parametrize(("source", "action", "target"), _moves(), ids=lambda v: str(getattr(v, "value", v)))
def test_the_rule_for_every_move_of_the_lifecycle(source: WorkOrderState, action: LifecycleAction,
                                                   target: WorkOrderState) -> None:
    ended = department_todo_ended(action, target, DEPARTMENT, DEPARTMENT)  # the department still owns it
    assert (ended is not None) is (action in ENDING), (source, action, target, ended)
    handed = department_todo_ended(action, target, "CS-ESCALATION", DEPARTMENT)  # owned by another department
    if action is A.ESCALATE:
        assert handed == "handed to CS-ESCALATION"
    assert (handed is not None) is (action is not A.DISPATCH)  # a DISPATCH pushes the to-do of its own department
