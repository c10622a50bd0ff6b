"""The systems' call-backs to the workflow (queue ``workflow``), registered by ``register``:

* ``nsp.NetworkComplaintReply``: NSP's answer to a dispatch, a request answered with the workflow's verdict
  (``hub.workflow.nsp_replies``);
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
  work order, noted in its history (``hub.workflow.withdrawal_answers``);
* ``workorder.NspDispatchNote`` (the hub's own, from the NSP adapter): NSP accepted a dispatch as its ticket,
  recorded on the work order while the dispatch is its current one (``hub.workflow.dispatch_acceptances``).

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
from hub.workers import BusinessRejection, HandlerRegistry, Reply
from hub.workflow import commands
from hub.workflow.dead_letter_history import dead_letter_note
from hub.workflow.department_todos import DEPARTMENT_TODO_ID, not_open, open_department_todo
from hub.workflow.dispatch_acceptances import nsp_dispatch_note
from hub.workflow.engine import FollowUp, WorkOrderRefused
from hub.workflow.late_completions import CompletedLate, late_completion, note_late_completion
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.nsp_replies import FINISHED, network_complaint_reply
from hub.workflow.outages import outage_rule, record_notice
from hub.workflow.refused_actions import nothing_written_if_refused
from hub.workflow.resumption import TODO_FIELD
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.sending import send_follow_ups
from hub.workflow.store.queries import load_work_order
from hub.workflow.todos import not_completable, open_todos, takes_escalated_up
from hub.workflow.withdrawal_answers import nsp_withdrawal_note

__all__ = ["FINISHED", "complete_todo", "network_complaint_reply", "outage_notice", "register"]

# the item id of an escalation to-do as hub.workflow.follow_ups pushes it: the level it was pushed at, then a step
ESCALATION_TODO = re.compile(r"(?P<work_order_id>.+)-esc(?P<level>[0-9]+)-(?P<step>[0-9]+)")
NSP = "urn:onepoint:nsp:1"
OA = "urn:onepoint:oa:1"
C = "urn:onepoint:common:1"

log = logging.getLogger("onepoint.workflow")


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
        with nothing_written_if_refused(tx):  # refused (an observer too): nothing half done is committed
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

    def nsp_reply(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> Reply:
        """NSP's reply, matched with the dispatches ``consumer``'s handlers sent."""
        return network_complaint_reply(envelope, workflow, outbound, consumer=consumer)

    def dispatch_note(envelope: Envelope, workflow: WorkflowRuntime) -> str:
        """NSP's ticket of a dispatch, matched with the dispatches ``consumer``'s handlers sent."""
        return nsp_dispatch_note(envelope, workflow, consumer=consumer)

    registry.add("nsp.NetworkComplaintReply", nsp_reply, consumer=consumer)
    registry.add("oa.CompleteTodo", complete_todo, consumer=consumer)
    registry.add("nsp.OutageNotice", outage_notice, consumer=consumer)
    registry.add("workorder.DeadLetterNote", dead_letter_note, consumer=consumer)
    registry.add("workorder.NspWithdrawalNote", nsp_withdrawal_note, consumer=consumer)
    registry.add("workorder.NspDispatchNote", dispatch_note, consumer=consumer)
