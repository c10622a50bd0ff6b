"""The systems' call-backs to the workflow (queue ``workflow``), registered by ``register``:

* ``nsp.NetworkComplaintReply``: NSP's answer recorded on the work order, which moves on to IN_PROGRESS (refused,
  dead-lettered with the reason, for a work order not dispatched to NSP or finished); one that came while the work
  order was suspended moves it on when it resumes (``WorkOrderEngine.act``); an incident NSP resolved is replied
  (brought back first when PENDING or SUSPENDED, as its children are: ``incidents.resolution.reply_brought_back``).
  Its CorrelationId names the dispatch it answers (``network_dispatch.answered_dispatch``): a late answer to an
  earlier dispatch, marked invalid and the work order dispatched again since, is refused as ``stale-reply``,
  nothing written (as OA's to-do of an earlier dispatch is refused as ``stale-todo``); one correlated with a
  dispatch the hub sent for another work order (``store.nsp_dispatches``) is refused as ``wrong-work-order``,
  naming both, nothing written; one naming no dispatch of the hub's is taken as before. Once NSP answered the
  current dispatch, a reply naming another NspTicketId than the one it answered with is refused as ``wrong-ticket``,
  naming both, nothing written (``hub.workflow.nsp_tickets``). One that crossed the hub's withdrawal (the work order
  cancelled and withdrawn while NSP answered) is noted on the cancelled work order as a late answer and acked
  (``hub.workflow.late_replies``);
* ``oa.CompleteTodo``: a manager completed an escalation to-do ``<id>-esc<level>-<step>`` the hub still has open
  (the current level's, or a lower one still open: the hand-up's to-do a breach did not close, a breach notice a
  hand-up did not close): recorded; an ESCALATED work order is taken up again by its hand-up's to-do, or by a
  breach notice when no hand-up to-do is open (``todos.takes_escalated_up``). One the hub closed already (its
  close not in OA yet: the work order cancelled, replied, handed on), or one still open on a finished work order,
  is noted and acked, nothing else moved (``hub.workflow.late_completions``: OA's call-back has no answer, a dead
  letter would help nobody). A level above the current one or a finished work order's to-do it never pushed is
  refused; so is one the hub never pushed, one OA completed already, or one completed under another UserId than
  it was pushed to: ``todos.not_completable``, ``unknown-todo`` / ``stale-todo``; a department completed its
  dispatch to-do ``<id>-dsp<n>``: recorded when it is the work order's open one and the UserId the one it was
  pushed to (else ``unknown-todo``), the state unchanged (the department answers with WorkOrderAction), noted
  when the hub closed it already (as above), else refused as ``stale-todo`` (``hub.workflow.department_todos``);
* ``nsp.OutageNotice`` (broadcast): kept; the outage rule links or clears the complaints it explains (issue 13);
* ``workorder.DeadLetterNote`` (the hub's own, from a system's worker): a command the hub sent for the work order
  was dead-lettered, or carried out on its replay, noted in its history (``hub.workflow.dead_letter_history``).
* ``workorder.NspWithdrawalNote`` (the hub's own, from the NSP adapter): NSP's answer to the hub's withdrawal of a
  work order, noted in its history (``hub.workflow.withdrawal_answers``).

As every workflow handler, they change the store only through ``workflow.store.current_transaction()``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from hub.bulletin.notice import parse_outage_notice
from hub.envelope import Envelope
from hub.gateways.documents import command_element
from hub.routing.outbound import Sender
from hub.workers import BusinessRejection, HandlerRegistry
from hub.workflow import commands
from hub.workflow.dead_letter_history import dead_letter_note
from hub.workflow.department_todos import DEPARTMENT_TODO_ID, not_open, open_department_todo
from hub.workflow.engine import FollowUp, WorkOrderRefused
from hub.workflow.incidents.resolution import reply_brought_back
from hub.workflow.late_answers import note_late_answer
from hub.workflow.late_completions import CompletedLate, late_completion, note_late_completion
from hub.workflow.late_replies import LATE_REPLY_FIELD, RepliedLate, late_reply, late_reply_note
from hub.workflow.lifecycle import FINAL, LifecycleAction, WorkOrderState
from hub.workflow.network_dispatch import answered_dispatch
from hub.workflow.nsp_tickets import refuse_another_ticket
from hub.workflow.outages import outage_rule, record_notice
from hub.workflow.resumption import TODO_FIELD
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.sending import send_follow_ups
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.nsp_dispatches import dispatched_work_order
from hub.workflow.store.queries import load_work_order
from hub.workflow.todos import not_completable, open_todos, takes_escalated_up
from hub.workflow.withdrawal_answers import nsp_withdrawal_note

__all__ = ["FINISHED", "complete_todo", "network_complaint_reply", "outage_notice", "register"]

FINISHED = frozenset(state.value for state in FINAL)  # no call-back is taken for a finished work order
# the item id of an escalation to-do as hub.workflow.follow_ups pushes it: the level it was pushed at, then a step
ESCALATION_TODO = re.compile(r"(?P<work_order_id>.+)-esc(?P<level>[0-9]+)-(?P<step>[0-9]+)")
NSP = "urn:onepoint:nsp:1"
OA = "urn:onepoint:oa:1"
C = "urn:onepoint:common:1"

log = logging.getLogger("onepoint.workflow")


def _expects_nsp_reply(row: dict[str, Any]) -> None:
    """NSP's reply is taken for a work order dispatched to NSP and not finished; one dispatched before the target
    was recorded (``dispatch_system`` empty, ``dispatch_fields`` kept) is taken as before."""
    state, target = row["state"], row["dispatch_system"]
    if state in FINISHED or (target is None and row["dispatch_fields"] is None):
        raise WorkOrderRefused(f"NSP's reply for work order {row['id']} in state {state}, "
                               f"{'finished' if state in FINISHED else 'never dispatched'}: no reply is expected",
                               code="callback-not-expected")
    if target not in (None, "NSP"):
        raise WorkOrderRefused(f"NSP's reply for work order {row['id']}, dispatched to {target}, not to NSP",
                               code="not-dispatched-to-nsp")


def _answers_current_dispatch(tx: WorkOrderTransaction, row: dict[str, Any], history: list[dict[str, Any]],
                              correlation_id: str, consumer: str) -> None:
    """NSP's reply correlated with an earlier dispatch of the work order than its current one is refused: that
    dispatch was marked invalid and the work order dispatched again; only the current dispatch's answer counts.
    One correlated with the dispatch of another work order is refused too: NSP answered that one's ticket under
    this one's id, and taking it would give this work order the other's cause and result."""
    answered = answered_dispatch(history, correlation_id, consumer, work_order_id=str(row["id"]))
    sent_for = dispatched_work_order(tx.db, correlation_id) if answered is None else None
    if sent_for is not None and sent_for != row["id"]:
        raise WorkOrderRefused(f"NSP's reply names work order {row['id']} but answers the dispatch the hub sent for "
                               f"work order {sent_for} (message {correlation_id}); NSP should answer {sent_for}'s "
                               f"ticket under WorkOrderId {sent_for}", code="wrong-work-order")
    if answered is not None and answered.stale:
        raise WorkOrderRefused(f"NSP's reply for work order {row['id']} answers its dispatch {answered.dispatch} "
                               f"(message {correlation_id}); it was dispatched again since and its current "
                               f"dispatch is {answered.current}", code="stale-reply")


def network_complaint_reply(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender, *,
                            consumer: str) -> str:
    """``consumer``: the queue of the workflow's handlers, which sent the dispatches NSP answers."""
    document = command_element(envelope)
    work_order_id = document.findtext(f"{{{NSP}}}WorkOrderId") or ""
    correlation_id = document.findtext(f"{{{NSP}}}Header/{{{C}}}CorrelationId") or envelope.correlation_id
    # the actor is the staff id (a PartyId, as History/By must be); the handler's name goes into the note
    operator = document.findtext(f"{{{NSP}}}RepliedBy/{{{NSP}}}StaffId") or "NSP"
    handler_name = document.findtext(f"{{{NSP}}}RepliedBy/{{{NSP}}}Name")
    fields = {f"nsp_{name.lower()}": document.findtext(f"{{{NSP}}}{name}") or ""
              for name in ("NspTicketId", "Cause", "Action", "Result", "Resolved")}
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    follow_ups: list[FollowUp] = []

    late_note = late_reply_note(fields["nsp_nspticketid"], fields["nsp_cause"], fields["nsp_action"],
                                fields["nsp_result"], fields["nsp_resolved"])

    def expected(row: dict[str, Any]) -> None:
        view = load_work_order(tx.db, str(row["id"]))
        history = [] if view is None else view.history
        if correlation_id:  # first: a reply answering another work order's dispatch is refused, cancelled or not
            _answers_current_dispatch(tx, row, history, correlation_id, consumer)
        refuse_another_ticket(history, str(row["id"]), fields["nsp_nspticketid"])
        late = late_reply(row, history, fields["nsp_nspticketid"], late_note)
        if late is not None:  # it crossed the hub's withdrawal: noted on the cancelled work order
            raise late
        _expects_nsp_reply(row)

    try:
        row = workflow.engine.note(tx, work_order_id, fields, actor=operator, system="NSP", now=now,
                                   note=f"NSP answered the dispatch ({handler_name or 'no name given'})",
                                   message_id=envelope.message_id, expected=expected)
        if row["state"] == WorkOrderState.DISPATCHED.value:
            request = commands.ActionRequest(work_order_id, LifecycleAction.START, operator, "NSP",
                                             {"Note": f"NSP: {fields['nsp_result']}"[:200]},
                                             message_id=envelope.message_id)
            started = workflow.engine.act(tx, request, now)
            row, follow_ups = started.row, [*follow_ups, *started.follow_ups]
        if row.get("ticket_type") == "INCIDENT" and fields["nsp_resolved"] in ("true", "1"):
            # its children replied with it; a PENDING or SUSPENDED incident is brought back first, as its children
            resolution = {"Cause": fields["nsp_cause"], "Action": fields["nsp_action"],
                          "Result": fields["nsp_result"], "Resolved": "true"}
            reply = commands.ActionRequest(work_order_id, LifecycleAction.REPLY, operator, "NSP", resolution,
                                           message_id=envelope.message_id)
            follow_ups += reply_brought_back(tx, workflow.engine, reply, WorkOrderState(row["state"]), now)[1]
    except RepliedLate as late:  # acked: NSP's call-back has no answer, a dead letter would help nobody
        note_late_answer(workflow.engine, tx, work_order_id, late, field=LATE_REPLY_FIELD,
                         value=fields["nsp_nspticketid"], actor=operator, system="NSP", now=now,
                         message_id=envelope.message_id)
        return f"nsp reply on {work_order_id} after its withdrawal: noted"
    except WorkOrderRefused as exc:
        raise BusinessRejection(f"{exc.code}: {exc}", code=exc.code) from None  # the dead letter's reason
    send_follow_ups(follow_ups, outbound, workflow, operator, work_order_id=str(row["id"]),
                    each_alone=True)  # the children's return-visit notices
    return f"nsp reply on {work_order_id}"


def complete_todo(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> str:
    document = command_element(envelope)
    item_id = document.findtext(f"{{{OA}}}ItemId") or ""
    user = document.findtext(f"{{{OA}}}UserId") or "OA"
    todo = ESCALATION_TODO.fullmatch(item_id)
    department_todo = DEPARTMENT_TODO_ID.fullmatch(item_id) if todo is None else None
    if department_todo is not None:
        return _complete_department_todo(envelope, workflow, department_todo, user)
    if todo is None:
        raise BusinessRejection(f"unknown-todo: {item_id!r} is no to-do of the hub (<work order>-esc<level>-<step>, "
                                "<work order>-dsp<n>)", code="unknown-todo")
    work_order_id, level = todo["work_order_id"], int(todo["level"])
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    outcome = document.findtext(f"{{{OA}}}Outcome") or "completed"

    takes_it_up: list[bool] = []

    def expected(row: dict[str, Any]) -> None:
        current = int(row["escalation_level"] or 0)
        history = [] if (view := load_work_order(tx.db, work_order_id)) is None else view.history
        late = late_completion(row, history, item_id, still_open=row["state"] in FINISHED and any(
            todo.item_id == item_id and todo.user_id == user for todo in open_todos(row, history)))
        if late is not None:  # the hub closed it (its close not in OA yet), or the work order is finished
            raise late
        if row["state"] in FINISHED or current == 0:
            raise WorkOrderRefused(f"to-do {item_id} of work order {work_order_id} in state {row['state']} at "
                                   f"escalation level {current}: no to-do is open", code="callback-not-expected")
        if level > current:
            raise WorkOrderRefused(f"to-do {item_id} is of escalation level {level}; work order {work_order_id} is "
                                   f"at level {current}", code="stale-todo")
        refusal = not_completable(row, history, item_id, user)
        if refusal is not None:
            raise WorkOrderRefused(f"to-do {item_id} of work order {work_order_id} completed by {user}: "
                                   f"{refusal[1]}", code=refusal[0])
        takes_it_up.append(takes_escalated_up(open_todos(row, history), item_id))

    try:
        row = workflow.engine.note(tx, work_order_id, {TODO_FIELD: f"{item_id}: {outcome}"}, actor=user,
                                   system="OA", now=now, message_id=envelope.message_id, expected=expected)
        follow_ups: list[FollowUp] = []
        if row["state"] == WorkOrderState.ESCALATED.value and all(takes_it_up):
            follow_ups = workflow.engine.act(tx, commands.ActionRequest(
                work_order_id, LifecycleAction.START, user, "OA", {"Note": outcome[:200]},
                message_id=envelope.message_id), now).follow_ups  # (a first response closes its breach's to-do)
    except CompletedLate as late:  # acked: OA's call-back has no answer, a dead letter would help nobody
        return note_late_completion(workflow.engine, tx, work_order_id, item_id, late, user=user, outcome=outcome,
                                    now=now, message_id=envelope.message_id)
    except WorkOrderRefused as exc:
        raise BusinessRejection(f"{exc.code}: {exc}", code=exc.code) from None  # the dead letter's reason
    send_follow_ups(follow_ups, outbound, workflow, user, work_order_id=work_order_id)
    return f"to-do {item_id} completed"


def _complete_department_todo(envelope: Envelope, workflow: WorkflowRuntime, todo: re.Match[str], user: str) -> str:
    """A department completed its dispatch to-do in OA: recorded (``oa_todo``) when it is the work order's open
    one, so the hub does not close it again; the state stays (the answer is a WorkOrderAction). Any other (an
    earlier dispatch's, one the hub closed, a finished work order's) is refused as ``stale-todo``."""
    item_id, work_order_id, dispatch = todo[0], todo["work_order_id"], int(todo["dispatch"])
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    outcome = command_element(envelope).findtext(f"{{{OA}}}Outcome") or "completed"

    def expected(row: dict[str, Any]) -> None:
        view = load_work_order(tx.db, work_order_id)
        history = [] if view is None else view.history
        late = late_completion(row, history, item_id, still_open=False)  # (open on a finished one: recorded)
        if late is not None:
            raise late
        why = not_open(row, history, item_id, dispatch)
        if why is not None:
            raise WorkOrderRefused(f"department to-do {item_id} of work order {work_order_id} (state "
                                   f"{row['state']}) is not open: {why}", code="stale-todo")
        pushed_to = open_department_todo(row, history)
        if pushed_to is not None and pushed_to.user_id != user:  # as an escalation to-do (todos.not_completable)
            raise WorkOrderRefused(f"department to-do {item_id} of work order {work_order_id} completed by {user}: "
                                   f"it was pushed to {pushed_to.user_id}, not to {user}", code="unknown-todo")

    try:
        workflow.engine.note(tx, work_order_id, {TODO_FIELD: f"{item_id}: {outcome}"[:2000]}, actor=user,
                             system="OA", now=now, message_id=envelope.message_id, expected=expected,
                             note="completed in OA; the department answers with WorkOrderAction")
    except CompletedLate as late:
        return note_late_completion(workflow.engine, tx, work_order_id, item_id, late, user=user, outcome=outcome,
                                    now=now, message_id=envelope.message_id)
    except WorkOrderRefused as exc:
        raise BusinessRejection(f"{exc.code}: {exc}", code=exc.code) from None  # the dead letter's reason
    return f"department to-do {item_id} completed in OA: recorded"


def outage_notice(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> str:
    notice = parse_outage_notice(envelope.payload)  # an inconsistent notice is refused for good (dead-lettered)
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    rule = outage_rule(workflow.intake_rules)
    if rule is None:  # auto-answer switched off: the notice is kept, no complaint is touched
        arrival = record_notice(tx.db, notice, now)
        return f"{notice.notice_id} r{notice.revision} {'kept' if arrival.applied else 'ignored'}, auto-answer off"
    outcome = rule.notice_received(tx, notice, now, message_id=envelope.message_id)
    send_follow_ups(outcome.follow_ups, outbound, workflow, "hub", work_order_id=None,
                    each_alone=True)  # each linked work order's, named by it
    log.info("outage notice reached the workflow",
             extra={"message_id": envelope.message_id, "notice_id": notice.notice_id, "revision": notice.revision,
                    "status": notice.status, "linked": len(outcome.linked), "replied": len(outcome.replied)})
    return outcome.summary()


def register(registry: HandlerRegistry, consumer: str) -> None:
    """The call-backs on ``registry``, for ``consumer``'s queue."""

    def nsp_reply(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> str:
        """NSP's reply, matched with the dispatches ``consumer``'s handlers sent."""
        return network_complaint_reply(envelope, workflow, outbound, consumer=consumer)

    registry.add("nsp.NetworkComplaintReply", nsp_reply, consumer=consumer)
    registry.add("oa.CompleteTodo", complete_todo, consumer=consumer)
    registry.add("nsp.OutageNotice", outage_notice, consumer=consumer)
    registry.add("workorder.DeadLetterNote", dead_letter_note, consumer=consumer)
    registry.add("workorder.NspWithdrawalNote", nsp_withdrawal_note, consumer=consumer)
