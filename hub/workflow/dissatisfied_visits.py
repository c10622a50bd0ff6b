"""A customer dissatisfied at the return visit (回访不满意): the people who answer for the complaint are told.

A Callback whose ``Satisfaction`` is DISSATISFIED used to record the outcome and nothing else: the department that
handled the complaint and the hotline heard nothing, a VIP's account manager neither, and the Close followed. Now,
in the visit's own transaction (sent with the action's other follow-ups, ``hub.workflow.sending``):

* an OA to-read (``oa-toread``, item ``<work order>-rem<level>-visit-owner``) to the holder of the tier's first
  escalation role (the role a breach tells first, ``SHIFT_LEADER`` in the shipped SLA table) for the department that
  last handled the work order — its owner at the visit — looked up as a breach looks it up
  (``escalation_managers.role_holder``: the department's entry, else the area's, else ``"*"``, else the role's name);
* the same to the holder for the intake desk (``[workflow] intake_department``, the hotline's lead; item
  ``…-visit-desk``), unless that is the same person (a complaint the desk handled itself);
* for a VIP or group customer's complaint with an account manager kept on the work order, a CRM
  ``NotifyAccountManager`` (``crm-dissatisfied``, built as an escalation's notice: ``follow_ups.escalation_notice``)
  saying the customer was dissatisfied at the return visit, with no DueAt (nothing is owed by a time).

Each says "dissatisfied at the return visit" and carries the visit's note. Nothing else changes: no reverse flow
(the work order stays RETURN_VISITED and may be closed), no to-do to complete; a new complaint the customer makes
is marked a repeat complaint as any other (docs/lifecycle.md). An engine observer (``hub.workflow.runtime``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hub.workflow.changes import ActionObserver, Changed, FollowUp
from hub.workflow.commands import ActionRequest
from hub.workflow.escalation_managers import role_holder
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.tiers import GROUP_TIERS, VIP_TIERS

if TYPE_CHECKING:
    from hub.workflow.engine import WorkOrderEngine

__all__ = ["DISSATISFIED", "DISSATISFIED_NOTICE", "VISIT_DESK", "VISIT_NOTICE_STEPS", "VISIT_OWNER",
           "DissatisfiedVisits", "dissatisfaction_follow_ups"]

VISIT_OWNER, VISIT_DESK = "visit-owner", "visit-desk"  # the steps of its to-reads: items <id>-rem<level>-<step>
VISIT_NOTICE_STEPS = (VISIT_OWNER, VISIT_DESK)

DISSATISFIED = "DISSATISFIED"  # wo:Satisfaction
DISSATISFIED_NOTICE = "crm-dissatisfied"  # a VIP or group customer dissatisfied at the visit: the manager told
TO_READ = "oa-toread"


def _said(operator: str, note: str | None) -> str:
    visit = f"Customer dissatisfied at the return visit (recorded by {operator})"
    return f"{visit}: {note.strip()}" if note and note.strip() else visit


def dissatisfaction_follow_ups(row: Mapping[str, Any], request: ActionRequest, role: str, intake_department: str,
                               managers: Mapping[str, Mapping[str, str]]) -> list[FollowUp]:
    """What a DISSATISFIED visit of ``row`` (the work order after it) owes (see the module); ``role``: the tier's
    first escalation role."""
    said = _said(request.operator, request.words)
    title = f"Customer dissatisfied at the return visit: {row['id']} {row.get('phenomenon') or row['category_code']}"
    owner = role_holder(managers, role, row)
    desk = role_holder(managers, role, {**row, "owner": intake_department})
    told = [(owner, VISIT_OWNER), *([] if desk == owner else [(desk, VISIT_DESK)])]
    found = [FollowUp(TO_READ, dict(row), {"manager": user, "step": step, "reason": said, "title": title, "due": None})
             for user, step in told]
    if row.get("ticket_type", "COMPLAINT") == "COMPLAINT" and row.get("tier") in VIP_TIERS | GROUP_TIERS \
            and row.get("account_manager_id"):
        found.append(FollowUp(DISSATISFIED_NOTICE, dict(row), {"account_manager": row["account_manager_id"],
                                                               "reason": said}))
    return found


class DissatisfiedVisits(ActionObserver):
    """The engine observer telling of a DISSATISFIED return visit (see the module); the SLA table read from the
    engine at each visit (a reload replaces it)."""

    def __init__(self, engine: WorkOrderEngine) -> None:
        self.engine = engine

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        row = changed.row
        if request.action is not LifecycleAction.RETURN_VISIT or row.get("satisfaction") != DISSATISFIED:
            return []
        if request.following is not None:  # a held repeat visited with the open one: told once, of the open one
            return []
        settings = self.engine.settings
        role = self.engine.sla.row(row.get("tier")).escalation[0]
        return dissatisfaction_follow_ups(row, request, role, settings.intake_department,
                                          settings.escalation_managers)
