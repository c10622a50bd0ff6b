"""The work-order lifecycle: its states, the actions on them and the one table of allowed transitions.

A work order only moves forward: every state belongs to a stage (intake → dispatch → handling → reply → return
visit → done) and no transition leads to an earlier stage. Pausing (pending, suspended) keeps the stage: a
suspended order resumes in the state it was suspended from, and asking the previous stage for information
(``REQUEST_INFO``) keeps the current owner. Anything not in the table is refused with a ``TransitionRefused``
that names the state, the action and what is allowed there. A reminder (``REMIND``, 催办) is a move to the same
state, in each state of ``REMINDABLE``: the owning department is hurried, nothing moves
(``hub.workflow.reminders``). A return visit's call that did not reach the customer before the last attempt is not
a RETURN_VISIT at all: the engine records it as an attempt, the state unchanged (``hub.workflow.visit_attempts``).
docs/lifecycle.md shows the table and how our states map to TMF621 Trouble Ticket's.

An incident (ticket type ``INCIDENT``, docs/incidents.md) has its own table (``lifecycle_of``): it has no return
visit (its children, the customers, have theirs), so a replied incident is closed straight away and a ``Callback``
on it is refused saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum, StrEnum

__all__ = [
    "FINAL",
    "INCIDENT",
    "INCIDENT_LIFECYCLE",
    "INCIDENT_TRANSITIONS",
    "LIFECYCLE",
    "PAUSED",
    "REMINDABLE",
    "STAGE",
    "SUSPENDABLE",
    "TMF621_STATUS",
    "TRANSITIONS",
    "Lifecycle",
    "LifecycleAction",
    "Stage",
    "Transition",
    "TransitionRefused",
    "WorkOrderState",
    "lifecycle_of",
    "stage_of",
]


class WorkOrderState(StrEnum):
    NEW = "NEW"                              # taken at a channel, not yet checked by the hub
    ACCEPTED = "ACCEPTED"                    # accepted: tier, priority and deadlines set
    DISPATCHED = "DISPATCHED"                # sent to the handling department or system
    DISPATCH_REJECTED = "DISPATCH_REJECTED"  # the receiving department marked the dispatch invalid
    IN_PROGRESS = "IN_PROGRESS"              # the handling department works on it
    PENDING = "PENDING"                      # awaiting the customer or information (the clock pauses)
    SUSPENDED = "SUSPENDED"                  # put on hold until a time (the clock pauses)
    ESCALATED = "ESCALATED"                  # handed to the next level (a breach, or a hard cross-domain case)
    AUTO_ANSWERED = "AUTO_ANSWERED"          # answered at intake from an active outage notice
    REPLIED = "REPLIED"                      # the customer got the answer; the return visit is due
    RETURN_VISITED = "RETURN_VISITED"        # return visit done, satisfaction recorded
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"                  # withdrawn by the customer or taken in error


class Stage(IntEnum):
    """The departments' stages, in the only order a work order may pass them."""

    INTAKE = 0
    DISPATCH = 1
    HANDLING = 2
    REPLY = 3
    RETURN_VISIT = 4
    DONE = 5


class LifecycleAction(StrEnum):
    ACCEPT = "ACCEPT"
    DISPATCH = "DISPATCH"
    REJECT_DISPATCH = "REJECT_DISPATCH"  # the receiving department: the dispatch is invalid (reason required)
    START = "START"
    PEND = "PEND"                        # await the customer
    REQUEST_INFO = "REQUEST_INFO"        # ask the previous stage for information; the owner stays
    SUPPLY_INFO = "SUPPLY_INFO"          # the customer or the previous stage answered
    SUSPEND = "SUSPEND"
    RESUME = "RESUME"
    ESCALATE = "ESCALATE"
    AUTO_ANSWER = "AUTO_ANSWER"
    REPLY = "REPLY"
    RETURN_VISIT = "RETURN_VISIT"
    CLOSE = "CLOSE"
    CANCEL = "CANCEL"
    REMIND = "REMIND"                    # hurry the owning department (催办): the state stays (hub.workflow.reminders)


S = WorkOrderState
A = LifecycleAction

STAGE: dict[WorkOrderState, Stage | None] = {
    S.NEW: Stage.INTAKE, S.ACCEPTED: Stage.INTAKE,
    S.DISPATCHED: Stage.DISPATCH, S.DISPATCH_REJECTED: Stage.DISPATCH,
    S.IN_PROGRESS: Stage.HANDLING, S.PENDING: Stage.HANDLING, S.ESCALATED: Stage.HANDLING,
    S.SUSPENDED: None,  # the stage of the state it was suspended from
    S.AUTO_ANSWERED: Stage.REPLY, S.REPLIED: Stage.REPLY,
    S.RETURN_VISITED: Stage.RETURN_VISIT,
    S.CLOSED: Stage.DONE, S.CANCELLED: Stage.DONE,
}

# TMF621 Trouble Ticket status of each state (docs/lifecycle.md).
TMF621_STATUS: dict[WorkOrderState, str] = {
    S.NEW: "acknowledged", S.ACCEPTED: "acknowledged",
    S.DISPATCHED: "inProgress", S.DISPATCH_REJECTED: "rejected",
    S.IN_PROGRESS: "inProgress", S.PENDING: "pending", S.SUSPENDED: "held", S.ESCALATED: "inProgress",
    S.AUTO_ANSWERED: "resolved", S.REPLIED: "resolved", S.RETURN_VISITED: "resolved",
    S.CLOSED: "closed", S.CANCELLED: "cancelled",
}

PAUSED = frozenset({S.PENDING, S.SUSPENDED})        # the SLA clock does not run
FINAL = frozenset({S.CLOSED, S.CANCELLED})
SUSPENDABLE = frozenset({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.ESCALATED})
# open and with a department other than the intake desk: a REMIND hurries it, each a transition to the same state
# (a SUSPENDED order was put on hold until a time, a DISPATCH_REJECTED one is back with the intake desk)
REMINDABLE = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.PENDING, S.ESCALATED})


@dataclass(frozen=True, slots=True)
class Transition:
    action: LifecycleAction
    sources: frozenset[WorkOrderState]
    target: WorkOrderState | None  # None: back to the state held before suspension (RESUME)
    changes_owner: bool = False
    needs_reason: bool = False


def _t(action: LifecycleAction, sources: set[WorkOrderState], target: WorkOrderState | None, *,
       changes_owner: bool = False, needs_reason: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, changes_owner, needs_reason)


TRANSITIONS: tuple[Transition, ...] = (
    _t(A.ACCEPT, {S.NEW}, S.ACCEPTED),
    _t(A.AUTO_ANSWER, {S.NEW, S.ACCEPTED}, S.AUTO_ANSWERED),
    _t(A.DISPATCH, {S.ACCEPTED, S.DISPATCH_REJECTED}, S.DISPATCHED, changes_owner=True),
    _t(A.REJECT_DISPATCH, {S.DISPATCHED}, S.DISPATCH_REJECTED, needs_reason=True),
    _t(A.START, {S.DISPATCHED, S.ESCALATED}, S.IN_PROGRESS),
    _t(A.PEND, {S.IN_PROGRESS}, S.PENDING, needs_reason=True),
    _t(A.REQUEST_INFO, {S.IN_PROGRESS}, S.PENDING, needs_reason=True),
    _t(A.SUPPLY_INFO, {S.PENDING}, S.IN_PROGRESS),
    _t(A.SUSPEND, set(SUSPENDABLE), S.SUSPENDED, needs_reason=True),
    _t(A.RESUME, {S.SUSPENDED}, None),
    _t(A.ESCALATE, {S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.PENDING, S.ESCALATED}, S.ESCALATED,
       changes_owner=True, needs_reason=True),
    _t(A.REPLY, {S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.ESCALATED, S.AUTO_ANSWERED}, S.REPLIED),
    _t(A.RETURN_VISIT, {S.REPLIED, S.AUTO_ANSWERED}, S.RETURN_VISITED),
    _t(A.CLOSE, {S.RETURN_VISITED}, S.CLOSED),
    _t(A.CANCEL, set(S) - FINAL - {S.AUTO_ANSWERED, S.REPLIED, S.RETURN_VISITED}, S.CANCELLED, needs_reason=True),
    *(_t(A.REMIND, {state}, state, needs_reason=True) for state in sorted(REMINDABLE)),  # the state stays
)
INCIDENT = "INCIDENT"  # the ticket type of an incident (a mass complaint's, docs/incidents.md)
# An incident's table: no return visit; replied, it is closed (one visited before this rule, RETURN_VISITED, too)
INCIDENT_TRANSITIONS: tuple[Transition, ...] = (
    *(t for t in TRANSITIONS if t.action not in (A.RETURN_VISIT, A.CLOSE)),
    _t(A.CLOSE, {S.REPLIED, S.RETURN_VISITED}, S.CLOSED),
)
INCIDENT_REFUSALS = {A.RETURN_VISIT: "an incident has no return visit (its children, the customers, have theirs): "
                                     "Close it once replied"}


class TransitionRefused(Exception):
    """An action the lifecycle does not allow in the work order's state; the message names both."""

    def __init__(self, state: WorkOrderState, action: LifecycleAction, allowed: list[LifecycleAction],
                 work_order_id: str | None = None, why: str | None = None) -> None:
        self.state = state
        self.action = action
        self.allowed = allowed
        self.why = why  # why the table never allows the action (an incident's Callback), if it says
        subject = f"work order {work_order_id}" if work_order_id else "a work order"
        allowed_text = ", ".join(a.value for a in allowed) or "nothing (the work order is finished)"
        super().__init__(f"{action.value} is not allowed on {subject} in state {state.value}; "
                         f"allowed in {state.value}: {allowed_text}{'' if why is None else f'; {why}'}")


class Lifecycle:
    """The transition table as a lookup: ``target(state, action, resume_to=...)`` or ``TransitionRefused``;
    ``refusals``: why an action the table never allows is refused, said with the refusal."""

    def __init__(self, transitions: tuple[Transition, ...] = TRANSITIONS,
                 refusals: dict[LifecycleAction, str] | None = None) -> None:
        self.transitions = transitions
        self.refusals = refusals or {}
        self._table: dict[tuple[WorkOrderState, LifecycleAction], Transition] = {}
        for transition in transitions:
            for source in transition.sources:
                key = (source, transition.action)
                if key in self._table:
                    raise ValueError(f"two transitions for {source.value} + {transition.action.value}")
                self._table[key] = transition

    def transition(self, state: WorkOrderState, action: LifecycleAction,
                   work_order_id: str | None = None) -> Transition:
        found = self._table.get((state, action))
        if found is None:
            allowed = self.allowed(state)  # a finished work order takes nothing: no more said
            raise TransitionRefused(state, action, allowed, work_order_id,
                                    self.refusals.get(action) if allowed else None)
        return found

    def target(self, state: WorkOrderState, action: LifecycleAction, *,
               resume_to: WorkOrderState | None = None, work_order_id: str | None = None) -> WorkOrderState:
        """The state after ``action``; RESUME needs ``resume_to``, the state held before the suspension."""
        transition = self.transition(state, action, work_order_id)
        if transition.target is not None:
            return transition.target
        if resume_to is None or resume_to not in SUSPENDABLE:
            raise ValueError(f"RESUME needs the state held before the suspension, got {resume_to}")
        return resume_to

    def allowed(self, state: WorkOrderState) -> list[LifecycleAction]:
        return [action for action in LifecycleAction if (state, action) in self._table]

    def pairs(self) -> Iterator[tuple[WorkOrderState, LifecycleAction, Transition]]:
        for (state, action), transition in self._table.items():
            yield state, action, transition


def stage_of(state: WorkOrderState, suspended_from: WorkOrderState | None = None) -> Stage:
    stage = STAGE[state]
    if stage is None:
        if suspended_from is None:
            raise ValueError("the stage of a suspended work order is that of the state it was suspended from")
        return stage_of(suspended_from)
    return stage


LIFECYCLE = Lifecycle()
INCIDENT_LIFECYCLE = Lifecycle(INCIDENT_TRANSITIONS, INCIDENT_REFUSALS)


def lifecycle_of(ticket_type: str | None) -> Lifecycle:
    """The table of a work order of ``ticket_type``: an incident's, else a complaint's."""
    return INCIDENT_LIFECYCLE if ticket_type == INCIDENT else LIFECYCLE
