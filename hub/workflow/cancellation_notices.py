"""A VIP or group customer's complaint cancelled: its account manager told through CRM.

The account manager kept on the work order (BOSS's, at creation) was told of the complaint with its reply limit,
and of each escalation (``effects.escalation_notices``); a cancellation (the customer withdrew it, or it was taken
in error) told nobody, so the manager went on believing a complaint was due and might chase it or visit about it.
A CANCEL now sends the manager a ``crm:NotifyAccountManager`` (follow-up ``crm-cancelled``, built by
``follow_ups.cancellation_notice``) saying ``Cancelled: <the Cancel's reason>``, without a DueAt: nothing is owed
any more. Nobody is told when the work order keeps no manager (an ordinary customer, or a tier BOSS never gave).

An engine observer, registered last (``hub.workflow.runtime``): its notice follows every other follow-up of the
CANCEL, so the steps (message ids) of those are what they were before it existed (``follow_up_steps``).
"""

from __future__ import annotations

from datetime import datetime

from hub.workflow.changes import ActionObserver, Changed, FollowUp
from hub.workflow.commands import ActionRequest
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.tiers import GROUP_TIERS, VIP_TIERS

__all__ = ["CANCEL_NOTICE", "CancellationNotices"]

CANCEL_NOTICE = "crm-cancelled"  # a VIP or group customer's complaint cancelled: the manager told


class CancellationNotices(ActionObserver):
    """The engine observer telling a cancelled VIP or group complaint's account manager (see the module)."""

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        row = changed.row
        if request.action is not LifecycleAction.CANCEL or row.get("ticket_type", "COMPLAINT") != "COMPLAINT" \
                or row.get("tier") not in VIP_TIERS | GROUP_TIERS or not row.get("account_manager_id"):
            return []
        return [FollowUp(CANCEL_NOTICE, dict(row), {"account_manager": row["account_manager_id"],
                                                    "reason": (request.words or "").strip() or "cancelled"})]
