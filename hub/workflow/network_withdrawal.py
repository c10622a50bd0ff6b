"""NSP's ``NetworkComplaintWithdraw`` for a work order whose NSP part ended while NSP holds it: the hotline cancelled
it (the customer withdrew the complaint, or it was taken in error), or answered the customer itself without NSP's
answer (a Reply by customer service, an incident's resolution replying it; the Return visit and Close follow that
Reply), and NSP, which has a ticket open for its dispatch, is told to stop work on it, so that its engineers do not
go on and its reply is never sent (one that crosses the withdrawal is noted on the work order as a late answer:
``hub.workflow.late_replies``; NSP's answer to the withdrawal itself reaches the work order's history through the
NSP adapter: ``hub.workflow.withdrawal_answers``).

**When a withdrawal is owed** (``nsp_withdrawals``, on the move that ends NSP's part: the first that reaches the
reply stage or later since the last DISPATCH, ``PAST_NSP``: REPLIED, AUTO_ANSWERED, RETURN_VISITED, CLOSED,
CANCELLED; in that move's transaction: the follow-up is sent with the processed-message record of the message that
moved it, as every follow-up; by ``NspWithdrawals``, an engine observer registered last, so the move's other
follow-ups keep the steps, hence message ids, they had before it existed: ``hub.workflow.follow_up_steps``): the
work order's current dispatch went to NSP (``dispatch_system``, recorded by each DISPATCH: a dispatch at intake
and an incident's fault report too), NSP has not answered it (no ``nsp_result`` entry after the last DISPATCH of
its history: ``dispatch_answer``) and no earlier move since that DISPATCH ended NSP's part (it owed the
withdrawal then: a Reply's withdrawal is not sent again by the Return visit or the Close after it). Its reason
says what ended it (the Cancel's reason; ``replied without NSP's answer`` and the Reply's
words; ``closed``...). Not for a work order

* never dispatched, or dispatched to a department reached through OA (its to-do is closed in OA instead:
  ``hub.workflow.department_todos``);
* NSP answered (its reply is recorded and moved it on: the ticket is answered, nothing is left to withdraw);
* DISPATCH_REJECTED: the dispatch was marked invalid, the department gave it back; nor at the DISPATCH that sends
  it again: NSP withdraws by work order, every unanswered ticket of it, and keeps the withdrawal, so a dispatch of
  the work order arriving after it opens its ticket withdrawn (nsp.xsd's WithdrawalOutcome): a withdrawal at a
  re-dispatch would withdraw the new dispatch too. NSP's late answer to the dispatch marked invalid is refused as
  ``stale-reply`` (``hub.workflow.nsp_replies``);
* dispatched before the hub recorded the target (database revision 0007, ``dispatch_system`` empty): where it
  went is not known.

The withdrawal names the work order (NSP finds its tickets by it: a work order dispatched again after a dispatch
marked invalid may have two), the cancellation's reason (nsp:Reason, c:LongText), when it was cancelled and by whom
(the WorkOrderAction's Operator). ``NspTicketId`` is left out: NSP finds the tickets by the work order, and the
hub may not know the ticket yet (NSP's acceptance, told by the NSP adapter, may still be on its way). Its MessageId
is derived as every follow-up's (``hub.workflow.follow_up_steps``: ``nsp-withdraw-<n>``, the last of them), so a
redelivered Cancel sends it under the same id and the NSP adapter's processed store, or NSP (DUPLICATE), drops the
copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from hub.gateways.documents import add_child, shortened
from hub.workflow.changes import ActionObserver, Changed, FollowUp
from hub.workflow.commands import ActionRequest
from hub.workflow.follow_up_header import follow_up_root
from hub.workflow.lifecycle import STAGE, LifecycleAction, Stage, WorkOrderState
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.queries import load_work_order

__all__ = ["PAST_NSP", "WITHDRAW_FOLLOW_UP", "NspWithdrawals", "dispatch_answer", "ended_nsp_part", "nsp_withdraw",
           "nsp_withdrawals", "withdrawal_owed"]

WITHDRAW_FOLLOW_UP = "nsp-withdraw"  # a dispatch withdrawn from NSP: its follow-up's kind, the start of its step
NETWORK_SYSTEM = "NSP"
C = "urn:onepoint:common:1"
NSP = "urn:onepoint:nsp:1"
REASON_LENGTH = 4000  # nsp:Reason, c:LongText
PARTY_ID_LENGTH = 32  # c:PartyId
A = LifecycleAction
S = WorkOrderState
# the states a move ending NSP's part reaches: the customer is answered (or the complaint dropped) without it
PAST_NSP = frozenset(state for state, stage in STAGE.items() if stage is not None and stage >= Stage.REPLY)
_PAST_NSP_VALUES = frozenset(state.value for state in PAST_NSP)
_ENDED = {S.REPLIED: "replied without NSP's answer", S.AUTO_ANSWERED: "answered automatically",
          S.RETURN_VISITED: "return-visited", S.CLOSED: "closed"}  # why, when not a Cancel (its own reason)


def _last_dispatch(history: Sequence[Mapping[str, Any]]) -> int | None:
    for index in range(len(history) - 1, -1, -1):
        if history[index]["kind"] == "state" and history[index]["action"] == A.DISPATCH.value:
            return index
    return None


def ended_nsp_part(history: Sequence[Mapping[str, Any]]) -> int | None:
    """The index of the first state entry since the work order's last DISPATCH that reached ``PAST_NSP`` (the move
    that ended NSP's part), None when none did (or it was never dispatched)."""
    start = _last_dispatch(history)
    if start is None:
        return None
    for index in range(start + 1, len(history)):
        entry = history[index]
        if entry["kind"] == "state" and entry.get("to_state") in _PAST_NSP_VALUES:
            return index
    return None


def dispatch_answer(history: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """NSP's reply to the work order's last dispatch (its ``nsp_result`` entry, written by the NetworkComplaintReply
    handler), when one came after it; None when NSP has not answered it."""
    for index in range(len(history) - 1, -1, -1):
        entry: Mapping[str, Any] = history[index]
        if entry["kind"] == "state" and entry["action"] == A.DISPATCH.value:
            return None
        if entry["kind"] == "field" and entry["system"] == "NSP" and entry["field"] == "nsp_result":
            return entry
    return None


def withdrawal_owed(row: Mapping[str, Any], state: WorkOrderState, history: Sequence[Mapping[str, Any]]) -> bool:
    """Whether NSP holds the work order ``row`` (in ``state``, its ``history`` as read before the move) unanswered:
    its current dispatch went to NSP and NSP has not replied to it, the dispatch was not marked invalid and no move
    since it ended NSP's part (that move owed the withdrawal)."""
    if row.get("dispatch_system") != NETWORK_SYSTEM or state is S.DISPATCH_REJECTED or state in PAST_NSP:
        return False
    dispatched = _last_dispatch(history) is not None
    return dispatched and dispatch_answer(history) is None and ended_nsp_part(history) is None


def nsp_withdrawals(row: Mapping[str, Any], state: WorkOrderState, history: Sequence[Mapping[str, Any]],
                    request: ActionRequest, now: datetime) -> list[FollowUp]:
    """The withdrawal a move ending NSP's part (``request``, of the work order ``row`` as it becomes, from
    ``state``) owes NSP: one ``nsp-withdraw`` follow-up when NSP holds the work order unanswered
    (``withdrawal_owed``), else none."""
    reached = S(row["state"])
    if reached not in PAST_NSP or not withdrawal_owed(row, state, history):
        return []
    return [FollowUp(WITHDRAW_FOLLOW_UP, dict(row), {
        "reason": _reason(request, reached), "withdrawn_at": now, "withdrawn_by": request.operator})]


def _reason(request: ActionRequest, reached: WorkOrderState) -> str:
    """The withdrawal's Reason: the Cancel's own; else what ended NSP's part, and the move's own words."""
    if request.action is A.CANCEL or reached is S.CANCELLED:
        return request.words or "cancelled"
    if request.system == NETWORK_SYSTEM:  # NSP's answer to another ticket (its incident's resolution) answered it
        why = "answered by NSP's own reply to another ticket (the incident it belongs to): this ticket is closed"
        return f"{why}: {request.words}" if request.words else why
    why = _ENDED.get(reached, reached.value.lower())
    return f"{why}: {request.words}" if request.words else why


class NspWithdrawals(ActionObserver):
    """The engine observer owing NSP a withdrawal on the move that ends NSP's part (``nsp_withdrawals``;
    registered last)."""

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        row = changed.row
        if row.get("dispatch_system") != NETWORK_SYSTEM or row["state"] not in _PAST_NSP_VALUES \
                or changed.previous_state in PAST_NSP:
            return []
        view = load_work_order(tx.db, str(row["id"]))
        if view is None:
            return []
        return nsp_withdrawals(row, changed.previous_state, _before_the_move(view.history), request, now)


def _before_the_move(history: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """The history as it was before the move just made (read after it): up to its state entry, the last."""
    for index in range(len(history) - 1, -1, -1):
        if history[index]["kind"] == "state":
            return history[:index]
    return history


def nsp_withdraw(follow_up: FollowUp, now: datetime) -> etree._Element:
    """The ``nsp-withdraw`` follow-up as NSP's document (the header's MessageId is replaced by the derived id)."""
    details = follow_up.details
    root = follow_up_root("nsp", NSP, "NetworkComplaintWithdraw", now)
    add_child(root, "WorkOrderId", follow_up.work_order["id"])
    add_child(root, "Reason", shortened(str(details["reason"]).strip() or "cancelled", REASON_LENGTH))
    withdrawn_at = details.get("withdrawn_at")
    add_child(root, "WithdrawnAt", withdrawn_at if isinstance(withdrawn_at, datetime) else now)
    by = str(details.get("withdrawn_by") or "")
    if by and len(by) <= PARTY_ID_LENGTH:  # the WorkOrderAction's Operator, a c:PartyId as WithdrawnBy
        add_child(root, "WithdrawnBy", by)
    return root
