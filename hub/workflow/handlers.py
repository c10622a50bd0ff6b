"""The workflow's handlers (queue ``workflow``): the work-order commands and the systems' call-backs.

* ``workorder.CreateWorkOrder``: tier from BOSS (cached), the work order accepted with its priority and deadlines;
  the answer lists the customer's open and recent work orders and marks a repeat complaint; its template fields
  dispatch it at once when they complete the template and it repeats no open complaint a department holds (that one
  is reminded instead), else they are kept in its history for a later Dispatch and the answer says why
  (``hub.workflow.intake_dispatch``, ``intake_fields``), as are the pre-processing checks it states
  (``hub.workflow.checks_done``);
* ``workorder.WorkOrderAction``: one lifecycle action (refused with c:Error naming state and action); a ``Remind``
  hurries the owning department, the state unchanged (``hub.workflow.reminders``); a ``Callback`` that did not reach
  the customer before the last attempt is recorded as one, the state unchanged (``hub.workflow.visit_attempts``,
  answered with ``ReturnVisitAttempt``);
* ``workorder.QueryWorkOrder`` / ``QueryWorkOrders``: a work order with its history, for a system other than the
  complaint front ends only one the hub pushed it an item of, else answered as unknown
  (``hub.workflow.work_order_readers``) / a filtered page (a full page ends with ``Next``, the cursor its ``After``
  continues from);
* ``nsp.NetworkComplaintReply``, ``oa.CompleteTodo``, ``nsp.OutageNotice``: the systems' call-backs
  (``hub.workflow.system_callbacks``);
* ``workorder.RegisterListener`` / ``UnregisterListener`` / ``QueryListeners``: event listeners
  (``hub.workflow.listeners``, ``hub.workflow.listener_queries``);
* ``workorder.QueryStatistics``: the figures of a window of days from the counters (``hub.workflow.statistics``);
* ``workorder.QueryTemplate``: a phenomenon's intake questions, checks and required fields (``template_queries``);
* ``mail.AnswerMail``: an offline department's e-mailed answer, its Reply (``hub.workflow.mail_answers``).

Every handler changes the work-order store only through ``workflow.store.current_transaction()``: the worker's
claim opened it (``WorkOrderProcessedStore``) and commits it with the processed-message record. A query says
``workflow.store.only_reads()``: its record keeps no answer; registered ``reads``, a repeat is answered afresh
(also when a release before migration 0008 kept its answer whole). Dependency (by name): ``workflow``
(``WorkflowRuntime``, built by ``hub.workflow.runtime``).
"""

from __future__ import annotations

import logging

from hub.envelope import Envelope
from hub.gateways.documents import command_element
from hub.observability import mask_msisdn
from hub.routing.outbound import Sender
from hub.workers import BusinessRejection, HandlerRegistry, Reply
from hub.workflow import (
    answers,
    commands,
    held_repeats,
    incidents,
    listener_queries,
    listeners,
    mail_answers,
    query_commands,
    reminders,
    statistics,
    system_callbacks,
    template_queries,
)
from hub.workflow.checks_done import keep_stated_checks
from hub.workflow.effects import CREATION_NOTICE
from hub.workflow.engine import WorkOrderRefused
from hub.workflow.intake import apply_intake_rules
from hub.workflow.intake_dispatch import IntakeDispatch, dispatch_at_intake
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.refused_actions import nothing_written_if_refused
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.sending import send_follow_ups
from hub.workflow.work_order_readers import may_read, readable_scope

__all__ = ["CONSUMER", "handlers"]

CONSUMER = "workflow"
log = logging.getLogger("onepoint.workflow")

handlers = HandlerRegistry()


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
    intake = (dispatch_at_intake(workflow, tx, created, complaint, now, handled=handled) if complaint.dispatch_fields
              else IntakeDispatch())  # sent, held for the open complaint it repeats, or not made: the answer says
    if intake.manager_told:  # the reminder of the open complaint told the manager: no creation notice besides
        follow_ups = [f for f in follow_ups if f.kind != CREATION_NOTICE or f.work_order.get("id") != created.row["id"]]
    follow_ups += intake.follow_ups
    dispatched = intake.dispatched  # the dispatch kept the checks stated and carried them
    if complaint.checks_done and not dispatched:  # kept for the Dispatch to carry
        keep_stated_checks(tx, str(created.row["id"]), workflow.engine.taxonomy.phenomenon(complaint.category_code),
                           complaint, now)
    send_follow_ups(follow_ups, outbound, workflow, complaint.taken_by or "hub", work_order_id=str(created.row["id"]))
    log.info("work order created", extra={"message_id": envelope.message_id, "work_order_id": created.row["id"],
                                          "msisdn": mask_msisdn(complaint.msisdn), "tier": tier.tier,
                                          "priority": created.row["priority"], "repeat": created.repeat})
    answer = answers.created_answer(
        envelope, created.row, created.customer_orders, repeat=created.repeat, now=now,
        extra={k: v for outcome in outcomes for k, v in outcome.answer.items()}
        | ({"IncidentId": intake.incident_id} if intake.incident_id else {}),
        repeat_of=None if intake.repeat_of is None else (intake.repeat_of, intake.reminded),
        dispatch_refused=None if intake.refused_code is None
        else (intake.refused_code, intake.refused_reason or intake.refused_code, intake.refused_fields))
    return Reply(answer, outcome=f"created {created.row['id']}")


@handlers.handler("workorder.WorkOrderAction", consumer=CONSUMER)
def work_order_action(envelope: Envelope, workflow: WorkflowRuntime, outbound: Sender) -> Reply:
    now = workflow.clock.now()
    try:
        request = commands.action_request(command_element(envelope))
        tx = workflow.store.current_transaction()
        with nothing_written_if_refused(tx):  # a refusal (an observer's too) is answered with nothing half done
            changed = (reminders.remind(workflow.engine, tx, request, now)
                       if request.action is LifecycleAction.REMIND else workflow.engine.act(tx, request, now))
    except WorkOrderRefused as exc:
        workflow.refused(exc.code)
        raise BusinessRejection(str(exc), code=exc.code) from None
    workflow.counted(request.action.value)
    send_follow_ups(changed.follow_ups, outbound, workflow, request.operator, work_order_id=str(changed.row["id"]))
    tried = changed.attempt  # a return visit's unreached call: recorded, the state unchanged
    return Reply(answers.action_answer(envelope, changed.row, now, attempt=None if tried is None
                                       else (tried.attempt, tried.of, tried.outcome)),
                 outcome=f"{request.action.value} {changed.previous_state.value} -> {changed.row['state']}"
                 + ("" if tried is None else f" (attempt {tried.attempt} of {tried.of}: customer not reached)"))


@handlers.handler("workorder.QueryWorkOrder", consumer=CONSUMER, reads=True)
def query_work_order(envelope: Envelope, workflow: WorkflowRuntime) -> Reply:
    workflow.store.only_reads()  # the answer is not kept: a repeat is answered afresh
    work_order_id = commands.work_order_id(command_element(envelope))
    db = workflow.store.current_transaction().db
    readable = may_read(db, envelope.source_system, work_order_id)
    view = workflow.store.get_work_order(work_order_id) if readable else None
    if view is None:  # one the caller may not read is answered as unknown: not whether it exists
        raise BusinessRejection(f"no work order {work_order_id}", code="unknown-work-order")
    now = workflow.clock.now()
    row = view.row
    if row.get("ticket_type") == "INCIDENT":
        row = {**row, "child_count": incidents.child_count(db, work_order_id)}
    elif repeats := held_repeats.repeat_count(db, work_order_id):  # none: no RepeatCount
        row = {**row, "repeat_count": repeats}
    return Reply(answers.work_order_answer(envelope, row, view.history, now), outcome="work order")


@handlers.handler("workorder.QueryWorkOrders", consumer=CONSUMER, reads=True)
def query_work_orders(envelope: Envelope, workflow: WorkflowRuntime) -> Reply:
    workflow.store.only_reads()
    query = query_commands.work_order_query(command_element(envelope))
    now = workflow.clock.now()
    page = workflow.store.query(
        msisdn=query.msisdn, states=[s.value for s in query.states] or None, category_prefix=query.category,
        area=query.area_code, tiers=list(query.tiers) or None, group_id=query.group_id,
        created_from=query.created_from, created_to=query.created_to, overdue_at=now if query.overdue else None,
        owner=query.owner, incident_id=query.incident_id, page=query.page, page_size=query.page_size,
        after=query.after, scope=readable_scope(envelope.source_system))
    last = page.rows[-1] if len(page.rows) == query.page_size else None  # a full page: more may follow
    next_cursor = None if last is None else query_commands.page_cursor(last["created_at"], last["id"])
    return Reply(answers.work_orders_answer(envelope, page.total, page.rows, now, next_cursor=next_cursor),
                 outcome=f"{len(page.rows)} of {page.total}")


system_callbacks.register(handlers, CONSUMER)
listeners.register(handlers, CONSUMER)
listener_queries.register(handlers, CONSUMER)
template_queries.register(handlers, CONSUMER)
mail_answers.register(handlers, CONSUMER)


@handlers.handler("workorder.QueryStatistics", consumer=CONSUMER, reads=True)
def query_statistics(envelope: Envelope, workflow: WorkflowRuntime) -> Reply:
    """The figures of one moment, read in a transaction of their own (``store.snapshot``), not in the batch's.

    The batch's transaction cannot give them: its earlier messages' changes are in its rows, but their counter
    additions are held for its commit (``add_at_commit``), so a late reply earlier in the batch would count
    neither overdue (its row is replied) nor late (its counts not yet written); and on PostgreSQL its READ
    COMMITTED statements each see another moment (a reply committed between the overdue read and the counters'
    read was counted twice). Adding the held counts would mend the first only. A read snapshot sees the last
    commit, rows and counters together (every change commits its counts with its rows): the batch's earlier
    messages are not in it, as nobody has had their answers yet (they are sent after the commit)."""
    workflow.store.only_reads()
    zone = statistics.zone_of(workflow.engine.observers)
    now = workflow.clock.now()
    try:
        query = statistics.statistics_query(command_element(envelope), zone, now.astimezone(zone).date())
    except ValueError as exc:
        raise BusinessRejection(str(exc), code="bad-window") from None
    with workflow.store.snapshot() as connection:  # not the batch's transaction: see the docstring
        figures = statistics.read_figures(connection, query, zone, now=now)
    return Reply(statistics.statistics_answer(envelope, figures, now),
                 outcome=f"statistics {query.first_day}..{query.last_day}: {figures.totals.complaints} complaints")
