"""The SMS-log query's audit row, written through ``hub.audit.AuditLog`` before anything is answered.

The row holds what the query says (the operator and address it names, the period as the hub reads it or as
written when it cannot, the purpose) and who really sent it: the caller the ingress authenticated and the
address of its connection (``unknown`` when the message does not say, e.g. one of an older hub). Every number in
its text is masked (``hub.audit``).

``record`` commits the row and returns only once it is durable; if it cannot, the query must not go on: a log
whose tail no longer matches its anchor (``AuditIntegrityError``) dead-letters the query (``AuditLogTampered``,
permanent: it needs a person); any other failure to commit (a locked or full disk, PostgreSQL out of reach) is
``AuditUnavailable`` (transient: the query is tried again later). The handler writes a ``pending`` row before it
asks DSMP, so a log that cannot take a row stops each attempt before DSMP is asked: DSMP is asked again only by
an attempt whose own ``pending`` row was committed.
"""

from __future__ import annotations

import logging

from adapters.dsmp.mapping import SmsLogQuery
from hub.audit import AuditEntry, AuditIntegrityError, AuditLog, AuditRecord, Outcome
from hub.audit.sms_log_access import NO_ROLE
from hub.workers.errors import PermanentError, TransientError

__all__ = ["ASKING", "NOT_ASKED", "AuditLogTampered", "AuditUnavailable", "record"]

log = logging.getLogger("onepoint.adapters.dsmp")
ASKING = "DSMP asked next; the call's outcome follows in a later row with this message id"  # a pending row's reason
NOT_ASKED = "DSMP not asked"  # how the failed row of an attempt held back by DSMP's open circuit begins


class AuditLogTampered(PermanentError):
    """The audit log's tail does not match its anchor: no query is answered until it is examined."""


class AuditUnavailable(TransientError):
    """The audit row could not be committed now: the query waits (nothing is answered without its row)."""


def record(audit_log: AuditLog, query: SmsLogQuery, *, role: str | None, outcome: Outcome, message_id: str,
           rows_returned: int = 0, reason: str = "") -> AuditRecord:
    """Commit the query's row; raise ``AuditLogTampered`` / ``AuditUnavailable`` if it is not committed."""
    period_from, period_to = query.audited_period()
    entry = AuditEntry.for_query(
        operator=query.operator, role=role or NO_ROLE, client_address=query.operator_ip, msisdn=query.msisdn,
        period_from=period_from, period_to=period_to, purpose=query.stated_purpose, rows_returned=rows_returned,
        outcome=outcome, reason=reason, message_id=message_id, caller=query.caller, peer=query.peer)
    try:
        return audit_log.append(entry)
    except AuditIntegrityError as exc:
        log.error("audit log tail does not match its anchor (or its key): SMS-log queries refused",
                  extra={"message_id": entry.message_id})
        raise AuditLogTampered(f"audit log integrity: {exc}") from exc
    except Exception as exc:
        raise AuditUnavailable(f"audit row not committed: {type(exc).__name__}: {exc}") from exc
