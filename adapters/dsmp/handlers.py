"""The DSMP adapter's handlers (queue ``dsmp``): both queries are requests, answered with DSMP's response.

Both are audited (``schemas/dsmp.xsd`` marks them ``audited``), each attempt's rows written in the same order
(``adapters.dsmp.asking``); the facts differ.

* ``dsmp.QuerySmsLog``: the operator's role is checked (``hub.audit.sms_log_access``) and, when its
  ``operator_roles`` entry names ``callers``, that the caller the ingress authenticated (header ``caller``) is one
  of them, then the period
  (``adapters.dsmp.periods``: readable, not ending before it starts, no longer than ``sms_log_max_days``) and the
  purpose: the work order it names must exist and be a complaint of the queried subscriber
  (``adapters.dsmp.purpose``; its contact number does not count), not be cancelled nor closed longer than
  ``sms_log_days_after_close`` ago, and the period must lie within the complaint's
  (``adapters.dsmp.complaint_window``). Every attempt leaves its rows (``adapters.dsmp.trail``) *before* the handler
  returns or raises, and the worker sends the answer only after the handler returned, so no record leaves before
  the row saying what was returned is committed. DSMP is asked only once a ``pending`` row for this attempt is
  committed: a log that cannot take a row (a full or locked disk, PostgreSQL out of reach: ``AuditUnavailable``)
  stops the attempt before DSMP is asked, and the retry that follows writes its own ``pending`` row first (or
  stops there again), so DSMP never hands over records for a call the trail does not show. After the call its
  outcome is the next row with the same message id: ``allowed`` with the rows returned, or ``failed``.
  A refusal of the hub's is answered ``c:Error`` with its code (``role-not-allowed``,
  ``operator-caller-mismatch``, ``invalid-period``, ``period-too-long``, ``purpose-unknown-work-order``,
  ``purpose-other-customer``, ``purpose-work-order-cancelled``, ``purpose-work-order-closed``,
  ``purpose-period-outside-complaint``; DSMP is not asked, no ``pending`` row) and audited
  ``denied``; any other error, before or during the call, is audited ``failed`` and raised again as classified:
  DSMP throttling the query (``SystemThrottled``, it was asked; the query then waits as DSMP said), a page that
  does not answer the query (``InvalidAnswer``, ``adapters.dsmp.client``), DSMP's circuit open
  (``CircuitOpenError``: DSMP was not asked, the query waits; its row says so). A query whose caller stopped
  waiting (``adapters.dsmp.waiting``) is not sent to DSMP, nor are DSMP's records passed on if they come after
  that: audited ``failed``, answered ``caller-stopped-waiting`` to nobody. A call retried in-process (DSMP failed,
  then answered) leaves ``pending``, ``failed``, ``pending``, ``allowed``. A message delivered again runs again
  and is audited again (more rows with the same message id).
* ``dsmp.QuerySpComplaintStats``: the figures per SP, for SP assessment. No subscriber's data, but every query is
  audited all the same (who looked at which SP's figures, for which period, what came of it): a ``pending`` row,
  DSMP asked, then ``allowed`` with the rows returned or ``failed``, as above; no role or purpose to check (the
  row's number is empty, its purpose ``SP complaint figures of SP <code>`` or ``of every SP``).

Dependencies (by name): ``dsmp`` (``DsmpClient``), ``audit_log`` (``hub.audit.AuditLog``, both), ``sms_log_access``
(``SmsLogAccess``) and ``work_orders`` (a ``WorkOrderLookup``), built by ``adapters.dsmp.wiring.dependencies``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from adapters.dsmp import mapping
from adapters.dsmp.asking import ask_dsmp
from adapters.dsmp.client import DsmpClient
from adapters.dsmp.complaint_window import check_complaint
from adapters.dsmp.periods import check_period_length
from adapters.dsmp.purpose import WorkOrderLookup, check_subscriber
from adapters.dsmp.refusals import ROLE_NOT_ALLOWED, OperatorCallerMismatch, OperatorNotAllowed, QueryRefused
from adapters.dsmp.trail import QueryTrail
from adapters.dsmp.waiting import CallerStoppedWaiting, CallerWait
from hub.audit import AuditLog, Outcome, mask_msisdn_tail, mask_numbers_in
from hub.audit.sms_log_access import NO_ROLE, SmsLogAccess
from hub.envelope import Envelope
from hub.gateways import with_ack
from hub.workers import HandlerContext, HandlerRegistry, Reply

__all__ = ["CONSUMER", "ROLE_NOT_ALLOWED", "OperatorNotAllowed", "handlers"]

CONSUMER = "dsmp"
log = logging.getLogger("onepoint.adapters.dsmp")

handlers = HandlerRegistry()


def _facts(query: mapping.SmsLogQuery, message_id: str, role: str | None) -> dict[str, object]:
    """What the adapter logs of a query: every number masked, however it was written."""
    return {"message_id": mask_numbers_in(message_id), "operator": mask_numbers_in(query.operator),
            "role": role or NO_ROLE, "msisdn": mask_msisdn_tail(query.msisdn),
            "work_order_id": mask_numbers_in(query.work_order_id), "caller": query.caller, "peer": query.peer}


@handlers.handler("dsmp.QuerySmsLog", consumer=CONSUMER)
def query_sms_log(envelope: Envelope, dsmp: DsmpClient, audit_log: AuditLog, sms_log_access: SmsLogAccess,
                  work_orders: WorkOrderLookup, context: HandlerContext) -> Reply:
    query = mapping.sms_log_query(envelope)  # never raises: whatever happens next is audited with these facts
    role = sms_log_access.role_of(query.operator)
    trail = QueryTrail.of_sms_log_query(audit_log, query, role=role, message_id=envelope.message_id)
    try:
        query.require()
        if not sms_log_access.allows(role):
            raise OperatorNotAllowed(query.operator, role)
        entry = sms_log_access.entry_of(query.operator)
        if entry is not None and not entry.named_by(query.caller):  # the account is bound to other callers
            raise OperatorCallerMismatch(query.operator, query.caller, entry.callers)
        period = query.period()
        check_period_length(*period, sms_log_access.max_period)
        parties = check_subscriber(work_orders, query.work_order_id, query.msisdn)
        check_complaint(parties, query.work_order_id, period, before=sms_log_access.before_complaint,
                        after_close=sms_log_access.after_close, now=datetime.now(UTC))
    except QueryRefused as refusal:
        trail.write(Outcome.DENIED, reason=f"{refusal.code}: {refusal}")
        log.warning("SMS-log query denied", extra={**_facts(query, envelope.message_id, role), "code": refusal.code})
        raise
    except Exception as exc:
        trail.write(Outcome.FAILED, reason=f"{type(exc).__name__}: {exc}")
        raise
    try:
        page = ask_dsmp(trail, CallerWait.of(context.message),
                        lambda: dsmp.query_sms_log(mapping.query_document(envelope)), _records_held_back)
    except CallerStoppedWaiting as gone:
        log.warning("SMS-log query not answered: its caller stopped waiting",
                    extra={**_facts(query, envelope.message_id, role), "reason": str(gone)})
        raise
    trail.write(Outcome.ALLOWED, rows_returned=page.rows)
    log.info("SMS-log query answered", extra={**_facts(query, envelope.message_id, role), "rows": page.rows,
                                              "dsmp_audit_id": page.audit_id})
    return Reply(with_ack(page.document, envelope, in_place=True), outcome=f"{page.rows} record(s) of {page.total}")


def _records_held_back(page: mapping.SmsLogPage) -> str:
    audit_id = f" (its audit id {page.audit_id})" if page.audit_id else ""
    return f"DSMP's {page.rows} record(s){audit_id} not passed on"


@handlers.handler("dsmp.QuerySpComplaintStats", consumer=CONSUMER)
def query_sp_complaint_stats(envelope: Envelope, dsmp: DsmpClient, audit_log: AuditLog,
                             context: HandlerContext) -> Reply:
    facts = mapping.sp_figures_facts(envelope)
    caller, peer = mapping.message_caller(envelope)
    trail = QueryTrail.of_facts(audit_log, facts, caller=caller, peer=peer)
    try:
        stats = ask_dsmp(trail, CallerWait.of(context.message),
                         lambda: dsmp.query_sp_complaint_stats(mapping.query_document(envelope)),
                         lambda held: f"DSMP's {held.rows} row(s) of figures not passed on")
    except CallerStoppedWaiting as gone:
        log.warning("SP complaint figures not answered: their caller stopped waiting",
                    extra={"message_id": mask_numbers_in(envelope.message_id), "caller": caller, "peer": peer,
                           "purpose": facts.stated_purpose, "reason": str(gone)})
        raise
    trail.write(Outcome.ALLOWED, rows_returned=stats.rows)
    log.info("SP complaint figures answered", extra={
        "message_id": mask_numbers_in(envelope.message_id), "caller": caller, "peer": peer,
        "purpose": facts.stated_purpose, "rows": stats.rows})
    return Reply(with_ack(stats.document, envelope, in_place=True), outcome=f"{stats.rows} row(s) of {stats.total}")
