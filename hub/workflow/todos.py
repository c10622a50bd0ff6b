"""The escalation to-dos a work order still has open in OA, and closing them when they are no longer wanted: the
customer answered (REPLY, AUTO_ANSWER), the return visit made, the work order finished (CANCEL, CLOSE), or a
higher level of their own kind superseded them: a breach told higher up the chain closes the lower breach notices,
a department's hand-up the earlier hand-ups' to-dos. The two kinds never close each other: the department a work
order was handed up to owns it and acts on its to-do whatever the chain is told, and a hand-up does not answer
the limit a breach notice tells of. The hub closes one with ``oa:CompleteTodo``
(hub → OA: "the work order moved on without the manager", oa.xsd), routed to the OA adapter.

Which to-dos were pushed is read from the history, in order, as the engine writes it:

* a department's ``ESCALATE`` action (a state entry): the level rises by one, the to-do goes to the owner after it
  (the department the escalation names: the ``owner`` field entry right after it, else the owner as it was);
* an escalation on a breach, or an incident's manager to-do (``WorkOrderEngine.escalate_on_breach``): the
  ``escalation_level`` field entry, its new value the level, its note ending ``; <role> told (<user>)``: the role
  of the chain and the OA user who held it for the work order then (``hub.workflow.escalation_managers``), or
  ``; <role> told`` when that user is the role's name (as every entry before the holders' table);
* OA's completion (the ``oa_todo`` field entry, ``<item id>: <outcome>``) and the hub's closing (``oa_todo_closed``,
  the item id) close one.

Each to-do's item id is ``<work order>-esc<level>-0`` (``follow_ups.oa_item``). A dispatched department's to-do
(``<work order>-dsp<n>``) is closed through ``close_todos`` too, by its own rule (``hub.workflow.department_todos``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.workflow.changes import ActionObserver, Changed, FollowUp
from hub.workflow.commands import ActionRequest
from hub.workflow.deadlines import DeadlineKind
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.resumption import TODO_FIELD
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.queries import load_work_order

__all__ = ["CLOSED_FIELD", "CLOSE_TODO", "CLOSING", "OpenTodo", "TodoCloser", "breach_note", "breach_told_roles",
           "close_todos", "first_owner", "not_completable", "open_todos", "owner_after", "superseded_by_breach",
           "superseded_by_hand_up", "takes_escalated_up"]

CLOSE_TODO = "oa-close-todo"  # the follow-up: oa:CompleteTodo from the hub (hub.workflow.follow_ups)
CLOSED_FIELD = "oa_todo_closed"  # the history field of a to-do the hub closed: its item id
A = LifecycleAction
# the end of an escalation's note: the role told, and the OA user holding it when that is not the role's name
_TOLD = re.compile(r"(?P<role>[^ ]+) told(?: \((?P<user>[^ ()]+)\))?")
_LIMITS = frozenset(kind.value for kind in DeadlineKind)
# the actions that can give the first response (``first_responded_at`` set by them: hub.workflow.effects); REPLY and
# AUTO_ANSWER close every to-do anyway
FIRST_RESPONSES = frozenset({A.DISPATCH, A.START})


@dataclass(frozen=True, slots=True)
class OpenTodo:
    """An escalation to-do open in OA. ``hand_up``: pushed by a department's ESCALATE to the department it handed
    the work order up to (that department owns it and acts on it); else a breach notice to a role of the SLA chain
    (or an incident's manager), which tells of a limit and owns nothing."""

    item_id: str
    user_id: str  # the OA user it was pushed to (a breach notice's: the holder of its role then)
    level: int
    hand_up: bool = False
    limit: str | None = None  # a breach notice's limit (``FIRST_RESPONSE``...), the first word of its reason
    role: str | None = None  # a breach notice's role of the SLA chain (or the incident manager's); None: a hand-up


def breach_note(reason: str, role: str, user: str) -> str:
    """The note of an escalation on a breach: why, then the role told and, when another, the user holding it."""
    told = f"; {role} told" if user == role else f"; {role} told ({user})"
    return f"{reason[:2000 - len(told)]}{told}"


def _told(note: str | None) -> tuple[str, str] | None:
    """The role an escalation on a breach told and the OA user its to-do went to (its note ``<reason>; <role>
    told (<user>)``, or ``<reason>; <role> told``: the role's own name)."""
    told = _TOLD.fullmatch((note or "").rpartition("; ")[2])
    return None if told is None else (told["role"], told["user"] or told["role"])


def _limit(note: str | None) -> str | None:
    """The limit a breach's escalation told of (its note ``<LIMIT> deadline ... breached...; <role> told``)."""
    first = (note or "").partition(" ")[0]
    return first if first in _LIMITS else None


def breach_told_roles(history: Sequence[Mapping[str, Any]]) -> list[str]:
    """The roles the work order's escalations on a breach (and an incident's manager to-do) told, in order."""
    return [told[0] for entry in history if entry["kind"] == "field" and entry["field"] == "escalation_level"
            and entry["action"] == A.ESCALATE.value and (told := _told(entry["note"])) is not None]


def first_owner(row: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> str:
    """The owner the work order was created with (the first ``owner`` entry's old value, else its owner now)."""
    return next((str(e["old_value"]) for e in history if e["kind"] == "field" and e["field"] == "owner"
                 and e["old_value"]), str(row["owner"]))


def owner_after(history: Sequence[Mapping[str, Any]], index: int, owner: str) -> str:
    """The owner after the state entry ``history[index]`` (a DISPATCH, an ESCALATE): the ``owner`` entry the
    engine writes right after it, at the same time, else ``owner`` as it was (the action kept it)."""
    after = history[index + 1] if index + 1 < len(history) else None
    return (str(after["new_value"]) if after is not None and after["kind"] == "field"
            and after["field"] == "owner" and after["at"] == history[index]["at"] else owner)


def open_todos(row: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> list[OpenTodo]:
    """The escalation to-dos of the work order ``row`` that are still open in OA, lowest level first."""
    work_order_id = str(row["id"])
    owner = first_owner(row, history)
    level = 0
    todos: dict[str, OpenTodo] = {}
    for index, entry in enumerate(history):
        kind, field = entry["kind"], entry["field"]
        if kind == "field" and field == "owner":
            owner = str(entry["new_value"])
        elif kind == "state" and entry["action"] == A.ESCALATE.value:
            level += 1
            user = owner_after(history, index, owner)
            todos[f"{work_order_id}-esc{level}-0"] = OpenTodo(f"{work_order_id}-esc{level}-0", user, level, True)
        elif kind == "field" and field == "escalation_level" and entry["action"] == A.ESCALATE.value:
            level = int(entry["new_value"] or level)
            told = _told(entry["note"])
            if told is not None:
                todos[f"{work_order_id}-esc{level}-0"] = OpenTodo(f"{work_order_id}-esc{level}-0", told[1], level,
                                                                  limit=_limit(entry["note"]), role=told[0])
        elif kind == "field" and field == TODO_FIELD and entry["system"] == "OA":
            todos.pop(str(entry["new_value"] or "").partition(": ")[0], None)
        elif kind == "field" and field == CLOSED_FIELD:
            todos.pop(str(entry["new_value"] or ""), None)
    return sorted(todos.values(), key=lambda todo: todo.level)


def not_completable(row: Mapping[str, Any], history: Sequence[Mapping[str, Any]], item_id: str,
                    user: str) -> tuple[str, str] | None:
    """Why OA's completion of the escalation to-do ``item_id`` by ``user`` is not taken, as (code, why): it must be
    a to-do the hub pushed and is still open (``open_todos``), completed by the user it was pushed to. Completed
    or closed already: ``stale-todo`` (OA sent it again under a new MessageId); never pushed, or another user:
    ``unknown-todo``. None when it is taken."""
    todo = next((todo for todo in open_todos(row, history) if todo.item_id == item_id), None)
    if todo is not None:
        return None if todo.user_id == user else (
            "unknown-todo", f"it was pushed to {todo.user_id}, not to {user}")
    for entry in history:
        if entry["kind"] == "field" and entry["field"] == TODO_FIELD and entry["system"] == "OA" \
                and str(entry["new_value"] or "").partition(": ")[0] == item_id:
            return "stale-todo", f"completed already by {entry['actor']}"
        if entry["kind"] == "field" and entry["field"] == CLOSED_FIELD and entry["new_value"] == item_id:
            return "stale-todo", "closed already by the hub"
    return "unknown-todo", "the hub never pushed it"


def takes_escalated_up(todos: Sequence[OpenTodo], item_id: str) -> bool:
    """Whether completing the open to-do ``item_id`` (of ``todos``, those open before it) takes an ESCALATED work
    order up again (START): the hand-up's to-do does, its department owning the work order; a breach notice only
    when no hand-up to-do is open (a history from before the hand-up's to-do outlived a breach)."""
    todo = next((todo for todo in todos if todo.item_id == item_id), None)
    return todo is not None and (todo.hand_up or not any(other.hand_up for other in todos))


def close_todos(tx: WorkOrderTransaction, row: Mapping[str, Any], todos: Sequence[OpenTodo], reason: str,
                now: datetime) -> list[FollowUp]:
    """Close ``todos`` in OA: an ``oa_todo_closed`` entry each in the history, and the CompleteTodo follow-ups."""
    if not todos:
        return []
    tx.append_history(str(row["id"]), [HistoryEntry(at=now, kind="field", actor="hub", system="HUB",
                                                    field=CLOSED_FIELD, new_value=todo.item_id,
                                                    note=f"{reason}; {todo.user_id}'s to-do closed in OA"[:2000])
                                       for todo in todos])
    return [FollowUp(CLOSE_TODO, dict(row), {"item_id": todo.item_id, "manager": todo.user_id, "reason": reason})
            for todo in todos]


# the actions after which no escalation to-do open then is wanted: the customer has the hub's answer (REPLY,
# AUTO_ANSWER), the return visit is made (RETURN_VISIT: a to-do of a return-visit limit's breach), or the work order
# is over; an ESCALATE closes the earlier hand-ups' to-dos (that department no longer owns the work order)
CLOSING = frozenset({A.REPLY, A.AUTO_ANSWER, A.RETURN_VISIT, A.CANCEL, A.CLOSE, A.ESCALATE})


def superseded_by_hand_up(todos: Sequence[OpenTodo], level: int) -> list[OpenTodo]:
    """The to-dos a department's hand-up to ``level`` closes: the earlier hand-ups' (the department handed up
    before no longer owns the work order). A breach notice stays: the limit it tells of is still breached."""
    return [todo for todo in todos if todo.hand_up and todo.level < level]


def superseded_by_breach(todos: Sequence[OpenTodo], level: int, reason: str) -> list[OpenTodo]:
    """The to-dos a breach told at ``level`` for ``reason`` (``<LIMIT> deadline ... breached``) closes: that limit's
    notices below it (the higher role's notice is the one to act on), and those of no limit (an incident manager's).
    Another limit's notice stays: it is closed when its own limit is answered (the first response closes the
    first-response notices while the reply may still be owed). The hand-up's to-do stays: its department still
    owns the work order, until its own move."""
    limit = _limit(reason)
    return [todo for todo in todos if not todo.hand_up and todo.level < level
            and (limit is None or todo.limit is None or todo.limit == limit)]


class TodoCloser(ActionObserver):
    """A ``WorkOrderObserver``: a REPLY, AUTO_ANSWER, RETURN_VISIT, CANCEL or CLOSE closes every escalation to-do
    still open (a manager is not left a to-do for a complaint already answered), an ESCALATE the earlier hand-ups'
    (``superseded_by_hand_up``), the first response (a DISPATCH or START giving it) the first-response breach's
    notices (that limit is answered; the others' stay)."""

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        row = changed.row
        first_response = request.action in FIRST_RESPONSES and row.get("first_responded_at") == now
        if not (request.action in CLOSING or first_response) or not int(row.get("escalation_level") or 0):
            return []
        view = load_work_order(tx.db, str(row["id"]))
        if view is None:
            return []
        todos = open_todos(row, view.history)
        if request.action not in CLOSING:  # the first response given: its limit's breach is answered
            todos = [todo for todo in todos if todo.limit == DeadlineKind.FIRST_RESPONSE.value]
            reason = f"work order {row['id']} had its first response"
        elif request.action is A.ESCALATE:
            level = int(row["escalation_level"])
            todos = superseded_by_hand_up(todos, level)
            reason = f"work order {row['id']} escalated to level {level}"
        else:
            reason = f"work order {row['id']} {row['state'].lower().replace('_', ' ')}"
        return close_todos(tx, row, todos, reason, now)
