"""The SMS-log query's audit row, written through ``hub.audit.AuditLog`` before anything is answered.

The row holds what the query says (the operator and address it names, the period as the hub reads it or as
written when it cannot, the purpose) and who really sent it: the caller the ingress authenticated and the
address of its connection (``unknown`` when the message does not say, e.g. one of an older hub). Every number in
its text is masked (``hub.audit``).

``record`` commits the row and returns only once it is durable; if it cannot, the query must not be answered:
a log whose tail no longer matches its anchor (``AuditIntegrityError``) dead-letters the query
(``AuditLogTampered``, permanent: it needs a person); any other failure to commit (a locked or full disk) is
``AuditUnavailable`` (transient: the query is tried again later, DSMP asked again).
"""

from __future__ import annotations

import logging

from adapters.dsmp.mapping import SmsLogQuery
from hub.audit import AuditEntry, AuditIntegrityError, AuditLog, AuditRecord, Outcome
from hub.workers.errors import PermanentError, TransientError

__all__ = ["AuditLogTampered", "AuditUnavailable", "record"]

log = logging.getLogger("onepoint.adapters.dsmp")
NO_ROLE = "none"  # the role audited for an account no pattern maps


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
