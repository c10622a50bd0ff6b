"""NSP's reply to a dispatch (``nsp.NetworkComplaintReply``, a request on the workflow's queue, registered by
``hub.workflow.system_callbacks``): NSP's answer recorded on the work order, which moves on to IN_PROGRESS. NSP is
answered the verdict (``hub.workflow.nsp_reply_answers``): taken, ``NetworkComplaintReplyResponse`` COMPLETED;
refused, the ``c:Error`` naming the code and the field at fault, nothing written.

It is refused for a work order not dispatched to NSP or finished; one that came
while the work order was suspended moves it on when it resumes (``WorkOrderEngine.act``); an incident NSP resolved
is replied (brought back first when PENDING or SUSPENDED, as its children are:
``incidents.resolution.reply_brought_back``).
Its CorrelationId names the dispatch it answers (``network_dispatch.answered_dispatch``): a late answer to an
earlier dispatch, marked invalid and the work order dispatched again since, is refused as ``stale-reply``,
nothing written (as OA's to-do of an earlier dispatch is refused as ``stale-todo``); one correlated with a
dispatch the hub sent for another work order (``store.nsp_dispatches``) is refused as ``wrong-work-order``,
naming both, nothing written; one naming no dispatch of the hub's is taken as before. Once the hub recorded NSP's
ticket of the current dispatch (NSP's acceptance, told by the NSP adapter, or its first reply), a reply naming
another NspTicketId is refused as ``wrong-ticket``, naming both, nothing written (``hub.workflow.nsp_tickets``).
One that crossed the hub's withdrawal (the work order cancelled, or answered without NSP, and withdrawn while NSP
answered) is noted on the work order as a late answer and answered COMPLETED (``hub.workflow.late_replies``). Sent
as a command (a routing table of an older hub, without ``reply_timeout``), a refusal is dead-lettered with the reason.
"""

from __future__ import annotations

from typing import Any

from hub.envelope import Envelope
from hub.gateways.documents import command_element
from hub.routing.outbound import Sender
from hub.workers import Reply
from hub.workflow import commands
from hub.workflow.engine import FollowUp, WorkOrderRefused
from hub.workflow.incidents.resolution import reply_brought_back
from hub.workflow.late_answers import note_late_answer
from hub.workflow.late_replies import LATE_REPLY_FIELD, RepliedLate, late_reply, late_reply_note
from hub.workflow.lifecycle import FINAL, LifecycleAction, WorkOrderState
from hub.workflow.network_dispatch import answered_dispatch
from hub.workflow.nsp_reply_answers import reply_refusal, reply_taken
from hub.workflow.nsp_tickets import refuse_another_ticket
from hub.workflow.refused_actions import nothing_written_if_refused
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.sending import send_follow_ups
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.nsp_dispatches import dispatched_work_order
from hub.workflow.store.queries import load_work_order

__all__ = ["FINISHED", "network_complaint_reply"]

FINISHED = frozenset(state.value for state in FINAL)  # no call-back is taken for a finished work order
NSP = "urn:onepoint:nsp:1"
C = "urn:onepoint:common:1"


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
                            consumer: str) -> Reply:
    """``consumer``: the queue of the workflow's handlers, which sent the dispatches NSP answers. Refused: the
    ``BusinessRejection`` naming the code and the field at fault (the answer of a request)."""
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
        with nothing_written_if_refused(tx):  # refused (an observer too): nothing half done is committed
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
                # its children replied with it; a PENDING or SUSPENDED incident is brought back first, as they are
                resolution = {"Cause": fields["nsp_cause"], "Action": fields["nsp_action"],
                              "Result": fields["nsp_result"], "Resolved": "true"}
                reply = commands.ActionRequest(work_order_id, LifecycleAction.REPLY, operator, "NSP", resolution,
                                               message_id=envelope.message_id)
                follow_ups += reply_brought_back(tx, workflow.engine, reply, WorkOrderState(row["state"]), now)[1]
    except RepliedLate as late:  # taken as a note: NSP learnt of the withdrawal from the hub's own command
        note_late_answer(workflow.engine, tx, work_order_id, late, field=LATE_REPLY_FIELD,
                         value=fields["nsp_nspticketid"], actor=operator, system="NSP", now=now,
                         message_id=envelope.message_id)
        return Reply(reply_taken(envelope, now), outcome=f"nsp reply on {work_order_id} after its withdrawal: noted")
    except WorkOrderRefused as exc:
        workflow.refused(exc.code)
        raise reply_refusal(exc) from None  # the answer of a request, the dead letter's reason of a command
    send_follow_ups(follow_ups, outbound, workflow, operator, work_order_id=str(row["id"]),
                    each_alone=True)  # the children's return-visit notices
    return Reply(reply_taken(envelope, now), outcome=f"nsp reply on {work_order_id}")
