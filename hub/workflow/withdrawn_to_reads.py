"""The to-reads (待阅) of a work order withdrawn from OA once it is over: a work order CLOSED or CANCELLED has each
to-read the hub pushed for it (a deadline warning, a reminder: every ``oa:PushToRead`` naming it, kept in
``oa_items`` with its kind and user since revision 0027) and not withdrawn yet taken off its user's list with
``oa:WithdrawToRead`` (hub → OA, routed to the OA adapter; no caller is granted it). Before, they stayed in the
managers' inboxes and feeds, about a complaint long finished. A dissatisfied return visit's to-reads
(``hub.workflow.dissatisfied_visits``) are kept: they are news after the fact, and the Close may follow the visit at
once, before anyone read them.

``ToReadWithdrawals``, an engine observer registered last (so the change's other follow-ups keep their steps, hence
message ids: ``hub.workflow.follow_up_steps``), owes one ``oa-withdraw-toread`` follow-up per such to-read, in the
change's transaction, and marks the to-read withdrawn (``oa_items.withdrawn_at``) in that transaction: sent with
the processed-message record of the message that closed or cancelled, so a redelivered message sends each under the
same MessageId (OA answers DUPLICATE), and no later change withdraws it again. To-dos are closed by their own rule
(``hub.workflow.todos``, ``hub.workflow.department_todos``); an outage notice's to-reads (``adapters.oa``) name no
work order and are not withdrawn; items kept before revision 0027 have no kind and are not withdrawn either. A
to-read OA no longer has open (its user read it) is nothing to withdraw for the OA adapter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lxml import etree

from hub.gateways.documents import add_child, shortened
from hub.workflow.changes import ActionObserver, Changed, FollowUp
from hub.workflow.commands import ActionRequest
from hub.workflow.dissatisfied_visits import VISIT_NOTICE_STEPS
from hub.workflow.follow_up_header import follow_up_root
from hub.workflow.lifecycle import FINAL
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.oa_items import mark_withdrawn, open_to_reads

__all__ = ["WITHDRAW_TO_READ", "ToReadWithdrawals", "to_read_withdrawal", "to_read_withdrawals"]

WITHDRAW_TO_READ = "oa-withdraw-toread"  # the follow-up's kind, the start of its step
C = "urn:onepoint:common:1"
OA = "urn:onepoint:oa:1"
REASON_LENGTH = 200  # oa:Reason, c:ShortText
_FINAL_STATES = frozenset(state.value for state in FINAL)
_VISIT_NOTICES = tuple(f"-{step}" for step in VISIT_NOTICE_STEPS)  # a dissatisfied return visit's to-reads


def to_read_withdrawals(tx: WorkOrderTransaction, row: dict[str, Any], now: datetime) -> list[FollowUp]:
    """The withdrawals the work order ``row``, just CLOSED or CANCELLED, owes OA: one per to-read pushed for it
    and not withdrawn yet, each marked withdrawn now."""
    work_order_id = str(row["id"])
    to_reads = [to_read for to_read in open_to_reads(tx.db, work_order_id)
                if not to_read.item_id.endswith(_VISIT_NOTICES)]  # news after the fact, read after the Close
    if not to_reads:
        return []
    mark_withdrawn(tx.db, work_order_id, [to_read.item_id for to_read in to_reads], now)
    reason = f"work order {work_order_id} {str(row['state']).lower()}"
    return [FollowUp(WITHDRAW_TO_READ, dict(row), {"item_id": to_read.item_id, "manager": to_read.user_id,
                                                  "reason": reason}) for to_read in to_reads]


class ToReadWithdrawals(ActionObserver):
    """The engine observer withdrawing a finished work order's to-reads (``to_read_withdrawals``; registered last)."""

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        if str(changed.row.get("state")) not in _FINAL_STATES or changed.previous_state in FINAL:
            return []
        return to_read_withdrawals(tx, dict(changed.row), now)


def to_read_withdrawal(follow_up: FollowUp, now: datetime) -> etree._Element:
    """The ``oa-withdraw-toread`` follow-up as OA's document (the header's MessageId is replaced by the derived
    id)."""
    details = follow_up.details
    root = follow_up_root("oa", OA, "WithdrawToRead", now)
    add_child(root, "ItemId", details["item_id"])
    add_child(root, "UserId", details["manager"])
    add_child(root, "Reason", shortened(str(details.get("reason") or "its work order is over"), REASON_LENGTH))
    return root
