"""The DSMP adapter's handlers (queue ``dsmp``): both queries are requests, answered with DSMP's response.

* ``dsmp.QuerySmsLog``: the operator's role is checked (``adapters.dsmp.access``); every query, allowed or
  denied, gets its audit row (``adapters.dsmp.trail``) *before* the handler returns, and the worker sends the
  answer only after the handler returned, so no record leaves before its row is committed. A denied query is
  answered ``c:Error`` ``role-not-allowed`` (DSMP is not asked); a failed call is audited ``failed`` and raised
  again as classified.
* ``dsmp.QuerySpComplaintStats``: the figures per SP (no personal data, not audited).

Dependencies (by name): ``dsmp`` (``DsmpClient``), ``audit_log`` (``hub.audit.AuditLog``) and
``sms_log_access`` (``SmsLogAccess``), built by ``adapters.dsmp.wiring.dependencies``.
"""

from __future__ import annotations

import logging

from adapters.dsmp import mapping
from adapters.dsmp.access import SmsLogAccess
from adapters.dsmp.client import DsmpClient
from adapters.dsmp.trail import record
from hub.audit import AuditLog, Outcome
from hub.envelope import Envelope
from hub.gateways import with_ack
from hub.observability.logging import mask_msisdn
from hub.workers import BusinessRejection, CallsHeldBack, HandlerRegistry, Reply

__all__ = ["CONSUMER", "ROLE_NOT_ALLOWED", "OperatorNotAllowed", "handlers"]

CONSUMER = "dsmp"
ROLE_NOT_ALLOWED = "role-not-allowed"
log = logging.getLogger("onepoint.adapters.dsmp")

handlers = HandlerRegistry()


class OperatorNotAllowed(BusinessRejection):
    def __init__(self, operator: str, role: str | None) -> None:
        held = f"role {role}" if role else "no role"
        super().__init__(f"operator {operator} ({held}) may not query SMS logs", code=ROLE_NOT_ALLOWED)
        self.operator, self.role = operator, role


@handlers.handler("dsmp.QuerySmsLog", consumer=CONSUMER)
def query_sms_log(envelope: Envelope, dsmp: DsmpClient, audit_log: AuditLog, sms_log_access: SmsLogAccess) -> Reply:
    query = mapping.sms_log_query(envelope)
    role = sms_log_access.role_of(query.operator)
    facts = {"message_id": envelope.message_id, "operator": query.operator, "role": role,
             "msisdn": mask_msisdn(query.msisdn), "work_order_id": query.work_order_id}
    if not sms_log_access.allows(role):
        refusal = OperatorNotAllowed(query.operator, role)
        record(audit_log, query, role=role, outcome=Outcome.DENIED, reason=str(refusal),
               message_id=envelope.message_id)
        log.warning("SMS-log query denied", extra=facts)
        raise refusal
    try:
        page = dsmp.query_sms_log(mapping.query_document(envelope))
    except CallsHeldBack:  # DSMP's circuit is open: DSMP was not asked, nothing left; audited when the query runs
        raise
    except Exception as exc:
        record(audit_log, query, role=role, outcome=Outcome.FAILED, reason=f"{type(exc).__name__}: {exc}",
               message_id=envelope.message_id)
        raise
    record(audit_log, query, role=role, outcome=Outcome.ALLOWED, rows_returned=page.rows,
           message_id=envelope.message_id)
    log.info("SMS-log query answered", extra={**facts, "rows": page.rows, "dsmp_audit_id": page.audit_id})
    return Reply(with_ack(page.document, envelope, in_place=True), outcome=f"{page.rows} record(s) of {page.total}")


@handlers.handler("dsmp.QuerySpComplaintStats", consumer=CONSUMER)
def query_sp_complaint_stats(envelope: Envelope, dsmp: DsmpClient) -> Reply:
    stats = dsmp.query_sp_complaint_stats(mapping.query_document(envelope))
    return Reply(with_ack(stats.document, envelope, in_place=True), outcome=f"{stats.rows} row(s) of {stats.total}")
