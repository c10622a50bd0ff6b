"""A dispatched department's OA to-do, and closing it when it is no longer wanted.

A dispatch to a department not reached through NSP is an OA to-do for that department (``dispatch_effects``,
``follow_ups.department_todo``): item ``<work order>-dsp<n>``, ``n`` the work order's dispatch (the n-th DISPATCH
of its history: 1, then 2 after a dispatch marked invalid ...), for the department's OA user id (the owner the
DISPATCH gave). The department answers through WorkOrderAction, so nothing in OA closes the to-do; the hub does,
with ``oa:CompleteTodo`` (the ``oa-close-todo`` follow-up and the ``oa_todo_closed`` history entry of
``hub.workflow.todos``), as it closes the escalation to-dos.

**The rule.** The to-do of dispatch n is wanted while dispatch n is the work order's current dispatch, the
department it went to owns the work order and the customer is not answered yet. The first move (``lifecycle``)
that ends one of these closes it:

* ``REJECT_DISPATCH`` → DISPATCH_REJECTED: the department marked dispatch n invalid (the owner goes back to the
  intake department); the next ``DISPATCH`` (n + 1, to the same department or another) is a new to-do of its own.
  A re-dispatch always follows this move (DISPATCH is taken from ACCEPTED and DISPATCH_REJECTED only);
* ``REPLY`` → REPLIED, whoever replies (the department's own Reply, the hotline, an incident's resolution, a
  cleared outage's recovery notice): what the to-do asked for is done;
* ``CANCEL`` → CANCELLED, ``CLOSE`` → CLOSED: the work order is finished;
* ``ESCALATE`` naming another department (``ToDepartment``): the work order is handed to it (its escalation to-do);
* ``AUTO_ANSWER``, ``RETURN_VISIT`` end it too (the customer answered) — they cannot follow an open department
  to-do today (AUTO_ANSWER is taken from NEW and ACCEPTED only, RETURN_VISIT after the REPLY that closed it), so
  they only close one an older hub left open.

Every other move keeps it open: ``START``, ``PEND``, ``REQUEST_INFO`` (the owner stays), ``SUPPLY_INFO``,
``SUSPEND``, ``RESUME`` (the department still owes the answer), ``ESCALATE`` within the department (no
``ToDepartment``, or its own), an escalation on a breach (state and owner stay: ``escalate_on_breach``), and the
``DISPATCH`` that pushed it. In lifecycle terms: closed when the state reached is DISPATCH_REJECTED or of the
reply stage or later (``Stage.REPLY``), or the owner is no longer the to-do's department.

Which to-do is open is read from the work order (``open_department_todo``): only its current dispatch can have one —
each earlier dispatch ended with a REJECT_DISPATCH, which closed its to-do — and it has one when that dispatch went
to a system other than NSP (``dispatch_system``, recorded by each DISPATCH) and MAIL (an offline department's
dispatch is e-mailed: docs/offline-mail.md) and no ``oa_todo_closed`` entry (the hub) or ``oa_todo`` entry (OA)
closed it since. A dispatch e-mailed to an offline department has no to-do, but ends by the same rule
(``ended_dispatch``, shared with ``hub.workflow.mail_withdrawal``, which tells its handler by e-mail).

**OA's CompleteTodo of a ``-dsp<n>`` item** (``hub.workflow.system_callbacks``): the department completing its open
to-do in OA is recorded (an ``oa_todo`` field entry; the state does not move: the answer is a WorkOrderAction),
so the hub does not close it again; one the hub closed already (its close not in OA yet) is only noted
(``hub.workflow.late_completions``: acked, nothing else moves); the to-do of an earlier dispatch, one OA completed
already, or one never pushed (a dispatch to NSP) is refused as ``stale-todo``, nothing written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.workflow.changes import MAIL_SYSTEM, MAIL_WITHDRAWN_FIELD, ActionObserver, Changed, FollowUp
from hub.workflow.commands import ActionRequest
from hub.workflow.lifecycle import FINAL, STAGE, LifecycleAction, Stage, WorkOrderState
from hub.workflow.resumption import TODO_FIELD
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.queries import load_work_order
from hub.workflow.todos import CLOSED_FIELD, OpenTodo, close_todos, first_owner, owner_after

__all__ = ["DEPARTMENT_TODO_ID", "ENDING_STATES", "NETWORK_SYSTEM", "DepartmentTodoCloser", "EndedDispatch",
           "department_todo_ended", "department_todo_id", "ended_dispatch", "not_open", "open_department_todo"]

NETWORK_SYSTEM = "NSP"  # a dispatch to it is NSP's NetworkComplaintDispatch, not a department's to-do
NO_TODO = (None, NETWORK_SYSTEM, MAIL_SYSTEM)  # an offline department's dispatch is e-mailed, not an OA to-do
DEPARTMENT_TODO_ID = re.compile(r"(?P<work_order_id>.+)-dsp(?P<dispatch>[1-9][0-9]*)")
A = LifecycleAction
S = WorkOrderState


def department_todo_id(work_order_id: str, dispatch: int) -> str:
    """A dispatched department's to-do: ``<work order>-dsp<n>``, ``n`` the work order's dispatch (1, then 2 after
    a refused dispatch ...); never an escalation to-do's ``-esc<level>-<step>`` nor a reminder's ``-rem…``."""
    return f"{work_order_id}-dsp{dispatch}"


# the states a move ending the to-do reaches: DISPATCH_REJECTED, and every state of the reply stage or later
ENDING_STATES = frozenset({S.DISPATCH_REJECTED} | {state for state, stage in STAGE.items()
                                                  if stage is not None and stage >= Stage.REPLY})


def _ended_by(state: WorkOrderState) -> str | None:
    if state not in ENDING_STATES:
        return None
    return "dispatch marked invalid" if state is S.DISPATCH_REJECTED else state.value.lower().replace("_", "-")


def department_todo_ended(action: LifecycleAction, state: WorkOrderState, owner: str,
                          department: str) -> str | None:
    """Why the move ``action`` (to ``state``, the work order then owned by ``owner``) ends the to-do of the
    current dispatch, which went to ``department``; None when the to-do is still wanted (the module's rule)."""
    if action is A.DISPATCH:  # the dispatch that pushed it (a re-dispatch follows the REJECT_DISPATCH that closed)
        return None
    return _ended_by(state) or (f"handed to {owner}" if owner != department else None)


def _dispatches(row: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> tuple[int, str | None, set[str]]:
    """The number of DISPATCH moves, the department the last one went to, and the to-do items closed since (an
    e-mailed dispatch's withdrawal is recorded under its item id: ``hub.workflow.mail_withdrawal``)."""
    owner = first_owner(row, history)
    count, department, closed = 0, None, set[str]()
    for index, entry in enumerate(history):
        kind, field = entry["kind"], entry["field"]
        if kind == "field" and field == "owner":
            owner = str(entry["new_value"])
        elif kind == "state" and entry["action"] == A.DISPATCH.value:
            count += 1
            department = owner_after(history, index, owner)
        elif kind == "field" and field in (CLOSED_FIELD, MAIL_WITHDRAWN_FIELD):
            closed.add(str(entry["new_value"] or ""))
        elif kind == "field" and field == TODO_FIELD and entry["system"] == "OA":
            closed.add(str(entry["new_value"] or "").partition(": ")[0])
    return count, department, closed


def open_department_todo(row: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> OpenTodo | None:
    """The department to-do of the work order ``row`` still open in OA (that of its current dispatch), if any."""
    if row.get("dispatch_system") in NO_TODO:
        return None
    count, department, closed = _dispatches(row, history)
    if not count or department is None:
        return None
    item_id = department_todo_id(str(row["id"]), count)
    return None if item_id in closed else OpenTodo(item_id, department, 0)


def not_open(row: Mapping[str, Any], history: Sequence[Mapping[str, Any]], item_id: str, dispatch: int) -> str | None:
    """Why OA's completion of the department to-do ``item_id`` (of dispatch ``dispatch``) is not taken: it is not
    the work order's open one; None when it is."""
    todo = open_department_todo(row, history)
    if todo is not None and todo.item_id == item_id:
        return None
    count, _, closed = _dispatches(row, history)
    if item_id in closed:
        return "closed already"
    if row["state"] in {state.value for state in FINAL}:
        return f"the work order is {str(row['state']).lower()}"
    if dispatch != count:
        return f"of dispatch {dispatch}; the work order is at dispatch {count}"
    return f"never pushed: dispatch {dispatch} went to {row.get('dispatch_system') or 'no system'}"


@dataclass(frozen=True, slots=True)
class EndedDispatch:
    """The work order's current dispatch, which a move ended: its number, its department, its item id (its OA
    to-do's, or the key its mail's withdrawal is recorded under) and why it ended."""

    number: int
    department: str
    item_id: str
    why: str


def ended_dispatch(tx: WorkOrderTransaction, changed: Changed, request: ActionRequest) -> EndedDispatch | None:
    """The current dispatch's open part (its OA to-do, or its mail to an offline department's handler) that the
    move ``request`` ends, and why (the module's rule); None when it has none, or it is still wanted."""
    row = changed.row
    state = S(row["state"])
    if row.get("dispatch_system") in (None, NETWORK_SYSTEM) or request.action is A.DISPATCH:
        return None  # nothing pushed to a department, or the one this dispatch pushed
    if request.action is not A.ESCALATE and _ended_by(state) is None:
        return None  # the owner moves only on ESCALATE (and REJECT_DISPATCH, which ends it by its state)
    view = load_work_order(tx.db, str(row["id"]))
    if view is None:
        return None
    count, department, closed = _dispatches(row, view.history)
    if not count or department is None or (item_id := department_todo_id(str(row["id"]), count)) in closed:
        return None
    why = department_todo_ended(request.action, state, str(row["owner"]), department)
    return None if why is None else EndedDispatch(count, department, item_id, why)


class DepartmentTodoCloser(ActionObserver):
    """A ``WorkOrderObserver``: a move that ends the department to-do of the current dispatch closes it in OA."""

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        row = changed.row
        if row.get("dispatch_system") == MAIL_SYSTEM:
            return []  # no to-do: the mail is withdrawn (``hub.workflow.mail_withdrawal``)
        ended = ended_dispatch(tx, changed, request)
        if ended is None:
            return []
        todo = OpenTodo(ended.item_id, ended.department, 0)
        return close_todos(tx, row, [todo], f"work order {row['id']} {ended.why}", now)
