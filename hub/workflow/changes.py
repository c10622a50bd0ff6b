"""What the engine's changes are and who hears of them: the values ``WorkOrderEngine`` returns (``Created``,
``Changed``, the ``FollowUp`` commands the hub owes other systems), its settings, its refusal, and the observers it
tells of every change in the change's transaction (the statistics' counters, the operator's rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from hub.config.escalation_managers import EscalationManagerTable
from hub.workflow.commands import ActionRequest, Complaint, WorkOrderRefused
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.store import WorkOrderTransaction, WorkOrderView

__all__ = ["DISPATCH_FOLLOW_UP", "MAIL_DISPATCH", "MAIL_SYSTEM", "MAIL_WITHDRAW", "MAIL_WITHDRAWN_FIELD",
           "ActionObserver", "Changed", "Created", "DispatchRefusalObserver", "EngineSettings", "EscalationObserver",
           "FollowUp", "ReminderObserver", "VisitAttempt", "VisitAttemptObserver", "WorkOrderObserver",
           "WorkOrderRefused"]

Row = dict[str, Any]
# ``WorkOrderRefused`` (defined with the commands, which refuse an instant out of range as they read it) is exported
# here with the other values of the engine's changes

_OPERATOR_ZONE = ZoneInfo("Asia/Shanghai")  # the default [workflow] statistics_timezone


@dataclass(frozen=True, slots=True)
class EngineSettings:
    intake_department: str = "CUSTOMER_SERVICE"
    repeat_window: timedelta = timedelta(days=7)  # same number, same phenomenon within it: a repeat complaint
    customer_orders_shown: int = 20
    enforce_templates: bool = True  # False: a dispatch missing its template's fields goes out (and is noted)
    local_zone: tzinfo = _OPERATOR_ZONE  # the operator's day: the date in a work order's id
    # who holds each SLA chain role per department and area (hub.workflow.escalation_managers); empty: the role
    escalation_managers: EscalationManagerTable = field(default_factory=dict)
    # the departments marked offline ([mail.offline.<code>]) → their handler's mailbox: a dispatch to one is e-mailed
    offline_mailboxes: Mapping[str, str] = field(default_factory=dict)
    # calls a return visit takes before "customer not reached" is its outcome (hub.workflow.visit_attempts)
    return_visit_attempts: int = 3


DISPATCH_FOLLOW_UP = "nsp-dispatch"  # a dispatch to NSP: its follow-up's kind, the start of the step it is sent at
MAIL_DISPATCH = "mail-dispatch"  # a dispatch to an offline department: the mail to its handler (docs/offline-mail.md)
MAIL_WITHDRAW = "mail-withdraw"  # that dispatch ended: the mail telling its handler no answer is needed any more
MAIL_WITHDRAWN_FIELD = "mail_withdrawn"  # its history entry (the dispatch's ``<work order>-dsp<n>``)
MAIL_SYSTEM = "MAIL"  # the dispatch_system of such a dispatch, and the history's system of its e-mailed answer


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A command the hub owes another system because of a change: its kind and what it needs to say."""

    kind: str  # "nsp-dispatch" | "nsp-withdraw" | "crm-notify" | "oa-todo" | "oa-toread"
    work_order: Row
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Created:
    row: Row
    customer_orders: list[Row]  # the customer's recent ones (``customer_work_orders``: id, state, channel, …)
    repeat: bool
    follow_ups: list[FollowUp]
    view: WorkOrderView | None = None  # the new work order as the store would read it back (for ``act(view=)``)
    # the earlier complaint it repeats (``complained_of_before``: id, state, owner; one a department holds first)
    repeat_of: Row | None = None


@dataclass(frozen=True, slots=True)
class VisitAttempt:
    """An unreached call of a return visit recorded as an attempt (``hub.workflow.visit_attempts``): the state
    stayed."""

    attempt: int
    of: int  # [workflow] return_visit_attempts
    outcome: str  # the Callback's wo:Satisfaction: NOT_REACHED


@dataclass(frozen=True, slots=True)
class Changed:
    row: Row
    previous_state: WorkOrderState
    follow_ups: list[FollowUp]
    attempt: VisitAttempt | None = None  # a return visit's unreached call, recorded without a transition


class WorkOrderObserver(Protocol):
    """Told of every creation and every action the engine carries out, in the change's transaction (the
    statistics' counters, the incidents' children): what it returns is sent with the change's own follow-ups."""

    def created(self, tx: WorkOrderTransaction, created: Created, complaint: Complaint,
                now: datetime) -> list[FollowUp]: ...

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]: ...


class ActionObserver:
    """A ``WorkOrderObserver`` told of actions only: a creation owes it nothing (its ``changed`` is its own)."""

    def created(self, tx: WorkOrderTransaction, created: Created, complaint: Complaint,
                now: datetime) -> list[FollowUp]:
        return []


@runtime_checkable
class DispatchRefusalObserver(Protocol):
    """Also told of a dispatch the engine refused for missing template fields or another subscriber number (its
    DISPATCH_REFUSED history entry commits with the refusal's answer): the statistics count it."""

    def dispatch_refused(self, tx: WorkOrderTransaction, row: Mapping[str, Any], now: datetime) -> None: ...


@runtime_checkable
class EscalationObserver(Protocol):
    """Also told of an escalation on a breach (``WorkOrderEngine.escalate_on_breach``: the level rises, the state
    and the owner stay): the statistics count it with the ESCALATE actions, for the department ``row``'s ``owner``
    names: the one that owes the breached limit (``escalation_managers.owing_department``: the intake department
    for the return visit's, the row's own owner otherwise)."""

    def escalated(self, tx: WorkOrderTransaction, row: Mapping[str, Any], now: datetime) -> None: ...


@runtime_checkable
class ReminderObserver(Protocol):
    """Also told of a Remind (``hub.workflow.reminders``: the owner hurried, the state stays): the statistics count
    it."""

    def reminded(self, tx: WorkOrderTransaction, row: Mapping[str, Any], now: datetime) -> None: ...


@runtime_checkable
class VisitAttemptObserver(Protocol):
    """Also told of a return visit's unreached call recorded as an attempt (``hub.workflow.visit_attempts``: the
    state stays): the statistics count it."""

    def visit_attempted(self, tx: WorkOrderTransaction, row: Mapping[str, Any], now: datetime) -> None: ...
