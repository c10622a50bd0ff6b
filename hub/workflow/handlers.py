"""The workflow's handlers (queue ``workflow``): the work-order commands and the systems' call-backs.

* ``workorder.CreateWorkOrder``: tier from BOSS (cached), the work order accepted with its priority and deadlines;
  the answer lists the customer's open and recent work orders and marks a repeat complaint;
* ``workorder.WorkOrderAction``: one lifecycle action (refused with c:Error naming state and action);
* ``workorder.QueryWorkOrder`` / ``QueryWorkOrders``: a work order with its history / a filtered page (a full page
  ends with ``Next``, the cursor its ``After`` continues from);
* ``nsp.NetworkComplaintReply``: NSP's answer recorded on the work order, which moves on to IN_PROGRESS (refused,
  dead-lettered with the reason, for a work order not dispatched to NSP or finished); one that came while the work
  order was suspended moves it on when it resumes (``WorkOrderEngine.act``);
* ``oa.CompleteTodo``: a manager completed the escalation to-do ``<id>-esc<level>-<step>`` of the work order's
  current escalation level: the escalated work order is taken up again (another item, an earlier level's or a
  finished work order's is refused);
* ``nsp.OutageNotice`` (broadcast): kept; the outage rule links or clears the complaints it explains (issue 13);
* ``workorder.RegisterListener`` / ``UnregisterListener``: event listeners (``hub.workflow.listeners``);
* ``workorder.QueryStatistics``: the figures of a window of days from the counters (``hub.workflow.statistics``).

Every handler changes the work-order store only through ``workflow.store.current_transaction()``: the worker's
claim opened it (``WorkOrderProcessedStore``) and commits it with the processed-message record. A query says
``workflow.store.only_reads()``: its record keeps no answer, and a repeat is answered afresh. Dependency (by
name): ``workflow`` (``WorkflowRuntime``, built by ``hub.workflow.runtime``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from hub.bulletin.notice import parse_outage_notice
from hub.envelope import Envelope
from hub.gateways.documents import command_element
from hub.observability import mask_msisdn
from hub.routing.outbound import Sender
from hub.validation.violations import DocumentRefused
from hub.workers import BusinessRejection, HandlerRegistry, Reply
from hub.workflow import answers, commands, incidents, listeners, statistics
from hub.workflow.effects import RETURN_VISIT_NOTICE
from hub.workflow.engine import FollowUp, WorkOrderRefused
from hub.workflow.follow_ups import follow_up_document
from hub.workflow.intake import apply_intake_rules
from hub.workflow.lifecycle import FINAL, LifecycleAction, WorkOrderState
from hub.workflow.outages import outage_rule, record_notice
from hub.workflow.resumption import TODO_FIELD
from hub.workflow.runtime import WorkflowRuntime

__all__ = ["CONSUMER", "handlers"]

CONSUMER = "workflow"
FINISHED = frozenset(state.value for state in FINAL)  # no call-back is taken for a finished work order
# the item id of an escalation to-do as hub.workflow.follow_ups pushes it: the level it was pushed at, then a step
ESCALATION_TODO = re.compile(r"(?P<work_order_id>.+)-esc(?P<level>[0-9]+)-(?P<step>[0-9]+)")
NSP = "urn:onepoint:nsp:1"
OA = "urn:onepoint:oa:1"
log = logging.getLogger("onepoint.workflow")

handlers = HandlerRegistry()


def _send(follow_ups: list[FollowUp], outbound: Sender, workflow: WorkflowRuntime, operator: str, *,
          each_alone: bool = False) -> None:
    """``each_alone``: a document the receiving system's schema refuses (an owner that is no OA user id, say) is
    logged and left out, the others sent (a notice's to-reads: one bad owner must not dead-letter the notice);
    otherwise it refuses the whole message."""
    now = workflow.clock.now()
    for number, owed in enumerate(follow_ups):
        follow_up = _with_account_manager(owed, outbound, workflow) if owed.kind == RETURN_VISIT_NOTICE else owed
        if follow_up is None:
            continue
        document = follow_up_document(follow_up, now, operator=operator, link_base=workflow.link_base)
        try:
            outbound.send(document, step=f"{follow_up.kind}-{number}")
        except DocumentRefused as exc:
            if not each_alone:
                raise
            log.error("follow-up refused by its schema, left out", extra={
                "work_order_id": follow_up.work_order.get("id"), "follow_up": follow_up.kind, "reason": str(exc)})


def _with_account_manager(follow_up: FollowUp, outbound: Sender, workflow: WorkflowRuntime) -> FollowUp | None:
    """A replied VIP or group complaint's return-visit notice, for the account manager BOSS names now (the tier
    cache, else BOSS asked); None, logged, when BOSS names none or gives no answer: nothing to send."""
    row = follow_up.work_order
    facts = workflow.tiers.facts(str(row["msisdn"]), outbound, workflow.clock.now())
    if not facts.has_account_manager:
        log.warning("no account manager to tell of the return visit", extra={
            "work_order_id": row.get("id"), "tier": facts.tier, "known": facts.known})
        return None
    return FollowUp(follow_up.kind, row, {**follow_up.details, "account_manager": facts.account_manager_id})


@handlers.handler("workorder.CreateWorkOrder", consumer=CONSUMER)
def create_work_order(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> Reply:
    try:  # an OccurredAt out of range is refused as the complaint is read
        complaint = commands.complaint(command_element(envelope), envelope.received_at)
        now = workflow.clock.now()
        tier = workflow.tiers.facts(complaint.msisdn, outbound, now)
        tx = workflow.store.current_transaction()
        created = workflow.engine.create(tx, complaint, tier, now)
    except WorkOrderRefused as exc:
        workflow.refused(exc.code)
        raise BusinessRejection(str(exc), code=exc.code) from None
    workflow.counted("CREATE")
    follow_ups = list(created.follow_ups)
    outcomes = apply_intake_rules(workflow.intake_rules, tx, created, complaint, now)
    for outcome in outcomes:
        follow_ups += outcome.follow_ups
    handled = any(outcome.handled for outcome in outcomes)
    if not handled and complaint.dispatch_fields and workflow.engine.dispatchable(complaint):
        request = commands.ActionRequest(created.row["id"], LifecycleAction.DISPATCH, complaint.taken_by or "hub",
                                         complaint.source_system, {"Note": "dispatched at intake"},
                                         complaint.dispatch_fields, message_id=complaint.message_id)
        changed = workflow.engine.act(tx, request, now, view=created.view)
        workflow.counted(request.action.value)
        created.row.update(changed.row)
        follow_ups += changed.follow_ups
    _send(follow_ups, outbound, workflow, complaint.taken_by or "hub")
    log.info("work order created", extra={"message_id": envelope.message_id, "work_order_id": created.row["id"],
                                          "msisdn": mask_msisdn(complaint.msisdn), "tier": tier.tier,
                                          "priority": created.row["priority"], "repeat": created.repeat})
    answer = answers.created_answer(envelope, created.row, created.customer_orders, repeat=created.repeat, now=now,
                                    extra={k: v for outcome in outcomes for k, v in outcome.answer.items()})
    return Reply(answer, outcome=f"created {created.row['id']}")


@handlers.handler("workorder.WorkOrderAction", consumer=CONSUMER)
def work_order_action(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> Reply:
    now = workflow.clock.now()
    try:
        request = commands.action_request(command_element(envelope))
        changed = workflow.engine.act(workflow.store.current_transaction(), request, now)
    except WorkOrderRefused as exc:
        workflow.refused(exc.code)
        raise BusinessRejection(str(exc), code=exc.code) from None
    workflow.counted(request.action.value)
    _send(changed.follow_ups, outbound, workflow, request.operator)
    return Reply(answers.action_answer(envelope, changed.row, now),
                 outcome=f"{request.action.value} {changed.previous_state.value} -> {changed.row['state']}")


@handlers.handler("workorder.QueryWorkOrder", consumer=CONSUMER)
def query_work_order(envelope: Envelope, workflow: WorkflowRuntime) -> Reply:
    workflow.store.only_reads()  # the answer is not kept: a repeat is answered afresh
    work_order_id = commands.work_order_id(command_element(envelope))
    view = workflow.store.get_work_order(work_order_id)
    if view is None:
        raise BusinessRejection(f"no work order {work_order_id}", code="unknown-work-order")
    now = workflow.clock.now()
    row = view.row
    if row.get("ticket_type") == "INCIDENT":
        row = {**row, "child_count": incidents.child_count(workflow.store, work_order_id)}
    return Reply(answers.work_order_answer(envelope, row, view.history, now), outcome="work order")


@handlers.handler("workorder.QueryWorkOrders", consumer=CONSUMER)
def query_work_orders(envelope: Envelope, workflow: WorkflowRuntime) -> Reply:
    workflow.store.only_reads()
    query = commands.work_order_query(command_element(envelope))
    page = workflow.store.query(
        msisdn=query.msisdn, states=[s.value for s in query.states] or None, category_prefix=query.category,
        area=query.area_code, tiers=list(query.tiers) or None, created_from=query.created_from,
        created_to=query.created_to, page=query.page, page_size=query.page_size, after=query.after)
    now = workflow.clock.now()
    last = page.rows[-1] if len(page.rows) == query.page_size else None  # a full page: more may follow
    next_cursor = None if last is None else commands.page_cursor(last["created_at"], last["id"])
    return Reply(answers.work_orders_answer(envelope, page.total, page.rows, now, next_cursor=next_cursor),
                 outcome=f"{len(page.rows)} of {page.total}")


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


@handlers.handler("nsp.NetworkComplaintReply", consumer=CONSUMER)
def network_complaint_reply(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> str:
    document = command_element(envelope)
    work_order_id = document.findtext(f"{{{NSP}}}WorkOrderId") or ""
    # the actor is the staff id (a PartyId, as History/By must be); the handler's name goes into the note
    operator = document.findtext(f"{{{NSP}}}RepliedBy/{{{NSP}}}StaffId") or "NSP"
    handler_name = document.findtext(f"{{{NSP}}}RepliedBy/{{{NSP}}}Name")
    fields = {f"nsp_{name.lower()}": document.findtext(f"{{{NSP}}}{name}") or ""
              for name in ("NspTicketId", "Cause", "Action", "Result", "Resolved")}
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    follow_ups: list[FollowUp] = []
    try:
        row = workflow.engine.note(tx, work_order_id, fields, actor=operator, system="NSP", now=now,
                                   note=f"NSP answered the dispatch ({handler_name or 'no name given'})",
                                   message_id=envelope.message_id, expected=_expects_nsp_reply)
        if row["state"] == WorkOrderState.DISPATCHED.value:
            request = commands.ActionRequest(work_order_id, LifecycleAction.START, operator, "NSP",
                                             {"Note": f"NSP: {fields['nsp_result']}"[:200]},
                                             message_id=envelope.message_id)
            started = workflow.engine.act(tx, request, now)
            row, follow_ups = started.row, [*follow_ups, *started.follow_ups]
        if row.get("ticket_type") == "INCIDENT" and fields["nsp_resolved"] in ("true", "1") and row["state"] in (
                WorkOrderState.IN_PROGRESS.value, WorkOrderState.ESCALATED.value):  # its children replied with it
            resolution = {"Cause": fields["nsp_cause"], "Action": fields["nsp_action"],
                          "Result": fields["nsp_result"], "Resolved": "true"}
            follow_ups += workflow.engine.act(tx, commands.ActionRequest(
                work_order_id, LifecycleAction.REPLY, operator, "NSP", resolution, message_id=envelope.message_id),
                now).follow_ups
    except WorkOrderRefused as exc:
        raise BusinessRejection(f"{exc.code}: {exc}", code=exc.code) from None  # the dead letter's reason
    _send(follow_ups, outbound, workflow, operator, each_alone=True)  # the children's return-visit notices
    return f"nsp reply on {work_order_id}"


@handlers.handler("oa.CompleteTodo", consumer=CONSUMER)
def complete_todo(envelope: Envelope, workflow: WorkflowRuntime) -> str:
    document = command_element(envelope)
    item_id = document.findtext(f"{{{OA}}}ItemId") or ""
    user = document.findtext(f"{{{OA}}}UserId") or "OA"
    todo = ESCALATION_TODO.fullmatch(item_id)
    if todo is None:
        raise BusinessRejection(f"unknown-todo: {item_id!r} is no escalation to-do of the hub "
                                "(<work order>-esc<level>-<step>)", code="unknown-todo")
    work_order_id, level = todo["work_order_id"], int(todo["level"])
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    outcome = document.findtext(f"{{{OA}}}Outcome") or "completed"

    def expected(row: dict[str, Any]) -> None:
        current = int(row["escalation_level"] or 0)
        if row["state"] in FINISHED or current == 0:
            raise WorkOrderRefused(f"to-do {item_id} of work order {work_order_id} in state {row['state']} at "
                                   f"escalation level {current}: no to-do is open", code="callback-not-expected")
        if level != current:
            raise WorkOrderRefused(f"to-do {item_id} is of escalation level {level}; work order {work_order_id} is "
                                   f"at level {current}, whose to-do is still open", code="stale-todo")

    try:
        row = workflow.engine.note(tx, work_order_id, {TODO_FIELD: f"{item_id}: {outcome}"}, actor=user,
                                   system="OA", now=now, message_id=envelope.message_id, expected=expected)
        if row["state"] == WorkOrderState.ESCALATED.value:
            workflow.engine.act(tx, commands.ActionRequest(work_order_id, LifecycleAction.START, user, "OA",
                                                           {"Note": outcome[:200]}, message_id=envelope.message_id),
                                now)
    except WorkOrderRefused as exc:
        raise BusinessRejection(f"{exc.code}: {exc}", code=exc.code) from None  # the dead letter's reason
    return f"to-do {item_id} completed"


@handlers.handler("nsp.OutageNotice", consumer=CONSUMER)
def outage_notice(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> str:
    notice = parse_outage_notice(envelope.payload)  # an inconsistent notice is refused for good (dead-lettered)
    tx, now = workflow.store.current_transaction(), workflow.clock.now()
    rule = outage_rule(workflow.intake_rules)
    if rule is None:  # auto-answer switched off: the notice is kept, no complaint is touched
        arrival = record_notice(tx.db, notice, now)
        return f"{notice.notice_id} r{notice.revision} {'kept' if arrival.applied else 'ignored'}, auto-answer off"
    outcome = rule.notice_received(tx, notice, now, message_id=envelope.message_id)
    _send(outcome.follow_ups, outbound, workflow, "hub", each_alone=True)
    log.info("outage notice reached the workflow",
             extra={"message_id": envelope.message_id, "notice_id": notice.notice_id, "revision": notice.revision,
                    "status": notice.status, "linked": len(outcome.linked), "replied": len(outcome.replied)})
    return outcome.summary()


listeners.register(handlers, CONSUMER)


@handlers.handler("workorder.QueryStatistics", consumer=CONSUMER)
def query_statistics(envelope: Envelope, workflow: WorkflowRuntime) -> Reply:
    workflow.store.only_reads()
    zone = statistics.zone_of(workflow.engine.observers)
    now = workflow.clock.now()
    try:
        query = statistics.statistics_query(command_element(envelope), zone, now.astimezone(zone).date())
    except ValueError as exc:
        raise BusinessRejection(str(exc), code="bad-window") from None
    figures = statistics.read_figures(workflow.store.current_transaction().db, query, zone, now=now)
    return Reply(statistics.statistics_answer(envelope, figures, now),
                 outcome=f"statistics {query.first_day}..{query.last_day}: {figures.totals.complaints} complaints")
