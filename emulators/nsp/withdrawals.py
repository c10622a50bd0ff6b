"""How the NSP emulator takes a NetworkComplaintWithdraw: the hub cancelled a work order NSP holds unanswered.

NSP finds the work order's tickets by its ``WorkOrderId`` (a work order dispatched again after a dispatch marked
invalid may have two). Every ticket not answered yet is withdrawn: its status becomes ``withdrawn``, it keeps the
withdrawal (``withdrawal``: reason, when and by whom, the MessageId, when NSP received it), and its reply is never
sent, neither the scheduled one nor one asked by hand (409 ``withdrawn``). The answer, always ACCEPTED (a repeated
MessageId DUPLICATE with its first answer), says what NSP did (nsp:WithdrawalOutcome):

* ``WITHDRAWN`` (``Known`` true): a ticket was open and is withdrawn now;
* ``ALREADY_WITHDRAWN``: the work order's tickets were withdrawn before (a withdrawal repeated under a new id);
* ``ALREADY_ANSWERED``: NSP had answered every ticket of the work order; its reply stands;
* ``UNKNOWN`` (``Known`` false): NSP holds no ticket of the work order. What a real network management centre would
  do: acknowledge, not refuse — the withdrawal is not wrong, it came first or too late (a dispatch still retried by
  the hub, a ticket NSP evicted), and a refusal would only leave the hub retrying or dead-lettering it. NSP keeps
  the withdrawal, so a dispatch of that work order arriving after it (a retried dispatch it overtook) opens its
  ticket withdrawn, with no reply (``NspService.dispatch``).

Every ticket of the work order is listed in ``NspTicketId`` (the newest ten). The withdrawals are kept by work
order, as many as four times ``max_tickets`` (the oldest go first), with the answers by MessageId.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from emulators.nsp.notices import NSP_NS
from emulators.nsp.state import NspState
from emulators.toolkit.xmlcommand import iso, response_root, sub, text_of
from hub.validation import ValidatedCommand

__all__ = ["WITHDRAWN", "withdraw_work_order"]

WITHDRAWN = "withdrawn"  # a ticket's status once withdrawn
TICKETS_LISTED = 10  # nsp:NetworkComplaintWithdrawResponse/NspTicketId maxOccurs


def _outcome(tickets: list[dict[str, Any]], withdrawn_now: list[str]) -> str:
    if withdrawn_now:
        return "WITHDRAWN"
    if not tickets:
        return "UNKNOWN"
    if any(ticket["status"] == WITHDRAWN for ticket in tickets):
        return "ALREADY_WITHDRAWN"
    return "ALREADY_ANSWERED"


def _answer(command: ValidatedCommand, status: str, now: float, answer: dict[str, Any]) -> etree._Element:
    root = response_root(command, status, now)
    sub(root, NSP_NS, "Known", "true" if answer["known"] else "false")
    sub(root, NSP_NS, "Outcome", answer["outcome"])
    for ticket_id in answer["ticket_ids"][-TICKETS_LISTED:]:
        sub(root, NSP_NS, "NspTicketId", ticket_id)
    return root


def withdraw_work_order(state: NspState, command: ValidatedCommand, now: float) -> tuple[etree._Element, list[str]]:
    """Take the withdrawal ``command`` (see the module): its answer, and the tickets withdrawn now (whose scheduled
    replies the caller cancels). Holds the state's lock throughout."""
    el = command.element
    with state.lock:
        repeated = state.withdraw_answers.get(command.message_id)
        if repeated is not None:
            return _answer(command, "DUPLICATE", now, repeated), []
        work_order_id = text_of(el, "WorkOrderId", NSP_NS) or ""
        withdrawal = {"message_id": command.message_id, "work_order_id": work_order_id,
                      "nsp_ticket_id": text_of(el, "NspTicketId", NSP_NS), "reason": text_of(el, "Reason", NSP_NS),
                      "withdrawn_at": text_of(el, "WithdrawnAt", NSP_NS),
                      "withdrawn_by": text_of(el, "WithdrawnBy", NSP_NS), "received_at": iso(now)}
        tickets = state.tickets_of(work_order_id)
        withdrawn_now = [ticket["ticket_id"] for ticket in tickets
                         if ticket["reply"] is None and ticket["status"] != WITHDRAWN]
        for ticket_id in withdrawn_now:
            state.tickets[ticket_id].update(status=WITHDRAWN, withdrawal=withdrawal)
            state.answered(ticket_id)  # finished: evicted first, as an answered one
        answer = {"known": bool(tickets), "outcome": _outcome(tickets, withdrawn_now),
                  "ticket_ids": [ticket["ticket_id"] for ticket in tickets]}
        state.keep_withdrawal(work_order_id, {**withdrawal, **answer}, command.message_id, answer)
        return _answer(command, "ACCEPTED", now, answer), withdrawn_now
