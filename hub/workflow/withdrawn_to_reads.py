"""The to-reads (待阅) of a work order withdrawn from OA once nobody owes what they chase: every ``oa:PushToRead``
naming it is kept in ``oa_items`` with its kind and user (since revision 0027), and one the hub has not withdrawn
yet is taken off its user's list with ``oa:WithdrawToRead`` (hub → OA, routed to the OA adapter; no caller is
granted it). The rule, by the to-read's kind (its item id, ``<work order>-rem<level>-<step>``: ``to_read_kind``):

===========================  ====================  ===============  ========================  ==============
kind (step)                  REPLY / AUTO_ANSWER   change of owner  CLOSED / CANCELLED        never
===========================  ====================  ===============  ========================  ==============
reminder (``call<n>``)       withdrawn             the previous     withdrawn (if still open)
first-response or reply      withdrawn             owner's          withdrawn (if still open)
warning (a deadline row id)                        withdrawn
return-visit warning         kept: the visit is    (goes to the     withdrawn
(a deadline row id)          owed after the reply  intake desk)
dissatisfied return visit                                                                     kept: news
(``visit-owner/-desk``)                                                                       after the fact
===========================  ====================  ===============  ========================  ==============

* REPLY and AUTO_ANSWER: the customer has the answer; a "customer called back" reminder and a warning of the first
  response's or the reply's limit chase an answer given (before, they stayed unread until the Close, a day or more
  later, after the return visit). A return visit's warning is about the visit, owed after the reply: kept.
* A change of owner (DISPATCH, REJECT_DISPATCH, ESCALATE: a re-dispatch, a dispatch sent back, a hand-up): the
  reminders and first-response/reply warnings that went to a department other than the new owner are withdrawn;
  that department no longer owes the answer (the new owner gets the next ones).
* CLOSED or CANCELLED: every to-read still open, but a dissatisfied return visit's
  (``hub.workflow.dissatisfied_visits``): news after the fact, and the Close may follow the visit at once.

``ToReadWithdrawals``, an engine observer registered last (so the change's other follow-ups keep their steps, hence
message ids: ``hub.workflow.follow_up_steps``), owes one ``oa-withdraw-toread`` follow-up per such to-read, in the
change's transaction, and marks the to-read withdrawn (``oa_items.withdrawn_at``) in that transaction. Its step, so
its MessageId, is derived from the item (``oa-withdraw-toread-<item id>``) and the message, so a redelivered message
sends each under the same MessageId (OA answers DUPLICATE), and no later change withdraws it again. To-dos are
closed by their own rule (``hub.workflow.todos``, ``hub.workflow.department_todos``); an outage notice's to-reads
(``adapters.oa``) name no work order and are not withdrawn; items kept before revision 0027 have no kind and are
not withdrawn either. A to-read OA no longer has open (its user read it) is nothing to withdraw for the OA adapter,
and a push of one the hub withdrew, arriving later (a delay tier, a replayed dead letter), opens nothing
(``adapters.oa.closed_items``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy import select

from hub.gateways.documents import add_child, shortened
from hub.workflow.changes import ActionObserver, Changed, FollowUp
from hub.workflow.commands import ActionRequest
from hub.workflow.deadlines import DeadlineKind
from hub.workflow.dissatisfied_visits import VISIT_NOTICE_STEPS
from hub.workflow.follow_up_header import follow_up_root
from hub.workflow.lifecycle import FINAL, LifecycleAction
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.oa_items import OaToRead, mark_withdrawn, open_to_reads
from hub.workflow.store.schema import deadlines

__all__ = ["ANSWER_WARNING", "REMINDER", "RETURN_VISIT_WARNING", "VISIT_NOTICE", "WITHDRAW_TO_READ",
           "ToReadWithdrawals", "to_read_kinds", "to_read_withdrawal", "to_read_withdrawals"]

WITHDRAW_TO_READ = "oa-withdraw-toread"  # the follow-up's kind, the start of its step
C = "urn:onepoint:common:1"
OA = "urn:onepoint:oa:1"
REASON_LENGTH = 200  # oa:Reason, c:ShortText
# a to-read's kind (the module's table); OTHER: none of these (kept until the work order is over)
REMINDER, ANSWER_WARNING, RETURN_VISIT_WARNING, VISIT_NOTICE, OTHER = (
    "reminder", "answer-warning", "return-visit-warning", "visit-notice", "other")
CHASING_THE_ANSWER = frozenset({REMINDER, ANSWER_WARNING})  # withdrawn once answered, or from an owner left
_FINAL_STATES = frozenset(state.value for state in FINAL)
_ANSWERED = frozenset({LifecycleAction.REPLY, LifecycleAction.AUTO_ANSWER})
_OWNER_CHANGES = frozenset({LifecycleAction.DISPATCH, LifecycleAction.REJECT_DISPATCH, LifecycleAction.ESCALATE})
_REMINDER_STEP = re.compile(r"call\d+")


def _step(work_order_id: str, item_id: str) -> str:
    """The step of the to-read ``item_id`` (``<work order>-rem<level>-<step>``); "" for any other item id."""
    found = re.fullmatch(rf"{re.escape(work_order_id)}-rem\d+-(.+)", item_id)
    return found.group(1) if found else ""


def to_read_kinds(tx: WorkOrderTransaction, work_order_id: str, to_reads: Sequence[OaToRead]) -> dict[str, str]:
    """Item id -> kind (``REMINDER`` ...) of each of ``to_reads``; a warning's by the limit of its deadline row
    (its step is the row's id: fired rows are kept), ``OTHER`` when the row is not there."""
    steps = {to_read.item_id: _step(work_order_id, to_read.item_id) for to_read in to_reads}
    row_ids = [int(step) for step in steps.values() if step.isdigit()]
    limits: dict[str, str] = {}
    if row_ids:
        rows = tx.db.execute(select(deadlines.c.id, deadlines.c.kind).where(
            deadlines.c.work_order_id == work_order_id, deadlines.c.id.in_(row_ids)))
        limits = {str(row.id): str(row.kind).partition(":")[0] for row in rows}
    kinds = {}
    for item_id, step in steps.items():
        if step in VISIT_NOTICE_STEPS:
            kinds[item_id] = VISIT_NOTICE
        elif _REMINDER_STEP.fullmatch(step):
            kinds[item_id] = REMINDER
        elif step in limits:
            kinds[item_id] = (RETURN_VISIT_WARNING if limits[step] == DeadlineKind.RETURN_VISIT.value
                              else ANSWER_WARNING)
        else:
            kinds[item_id] = OTHER
    return kinds


def _withdrawn(tx: WorkOrderTransaction, row: dict[str, Any], to_reads: list[OaToRead], reason: str,
               now: datetime) -> list[FollowUp]:
    """``to_reads`` marked withdrawn now, one follow-up each."""
    if not to_reads:
        return []
    mark_withdrawn(tx.db, str(row["id"]), [to_read.item_id for to_read in to_reads], now)
    return [FollowUp(WITHDRAW_TO_READ, dict(row), {"item_id": to_read.item_id, "manager": to_read.user_id,
                                                  "reason": reason}) for to_read in to_reads]


def to_read_withdrawals(tx: WorkOrderTransaction, row: dict[str, Any], now: datetime) -> list[FollowUp]:
    """The withdrawals the work order ``row``, just CLOSED or CANCELLED, owes OA: one per to-read pushed for it
    and not withdrawn yet but a dissatisfied visit's, each marked withdrawn now."""
    work_order_id = str(row["id"])
    to_reads = open_to_reads(tx.db, work_order_id)
    kinds = to_read_kinds(tx, work_order_id, to_reads)
    kept = [to_read for to_read in to_reads if kinds[to_read.item_id] != VISIT_NOTICE]  # news, read after the Close
    return _withdrawn(tx, row, kept, f"work order {work_order_id} {str(row['state']).lower()}", now)


def chasing_withdrawals(tx: WorkOrderTransaction, row: dict[str, Any], request: ActionRequest,
                        now: datetime) -> list[FollowUp]:
    """The reminders and first-response/reply warnings of ``row`` withdrawn by ``request``: every one once
    answered (REPLY, AUTO_ANSWER), those of a department other than the owner at a change of owner."""
    work_order_id = str(row["id"])
    to_reads = open_to_reads(tx.db, work_order_id)
    if not to_reads:
        return []
    kinds = to_read_kinds(tx, work_order_id, to_reads)
    chasing = [to_read for to_read in to_reads if kinds[to_read.item_id] in CHASING_THE_ANSWER]
    if request.action in _ANSWERED:
        return _withdrawn(tx, row, chasing, f"work order {work_order_id} {str(row['state']).lower()}", now)
    owner = str(row["owner"])
    left = [to_read for to_read in chasing if to_read.user_id != owner]
    return _withdrawn(tx, row, left, f"work order {work_order_id} now with {owner}", now)


class ToReadWithdrawals(ActionObserver):
    """The engine observer withdrawing the to-reads nobody needs any more (the module's rule; registered last)."""

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        if tx.inserted_here(str(changed.row["id"])):
            return []  # created by this transaction (an intake dispatch or answer): no to-read pushed yet
        state = str(changed.row.get("state"))
        if state in _FINAL_STATES:
            if changed.previous_state in FINAL:
                return []
            return to_read_withdrawals(tx, dict(changed.row), now)
        if request.action in _ANSWERED or request.action in _OWNER_CHANGES:
            return chasing_withdrawals(tx, dict(changed.row), request, now)
        return []  # nothing answered, nobody else owns it


def to_read_withdrawal(follow_up: FollowUp, now: datetime) -> etree._Element:
    """The ``oa-withdraw-toread`` follow-up as OA's document (the header's MessageId is replaced by the derived
    id)."""
    details = follow_up.details
    root = follow_up_root("oa", OA, "WithdrawToRead", now)
    add_child(root, "ItemId", details["item_id"])
    add_child(root, "UserId", details["manager"])
    add_child(root, "Reason", shortened(str(details.get("reason") or "its work order is over"), REASON_LENGTH))
    return root
