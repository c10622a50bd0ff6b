"""A DSMP query's audit rows, written through ``hub.audit.AuditLog`` before anything is answered.

A row holds what the query says (the operator and address it names, the period as the hub reads it or as
written when it cannot, the purpose) and who really sent it: the caller the ingress authenticated and the
address of its connection (``unknown`` when the message does not say, e.g. one of an older hub). Every number in
its text is masked (``hub.audit``). An SMS-log query's facts are ``adapters.dsmp.mapping.SmsLogQuery``; the SP
complaint figures' are ``hub.audit.QueryFacts`` (no subscriber: the number is empty, the purpose names the SP).

``QueryTrail.write`` commits a row and returns only once it is durable; if it cannot, the query must not go on: a
log whose tail no longer matches its anchor (``AuditIntegrityError``) dead-letters the query
(``AuditLogTampered``, permanent: it needs a person); any other failure to commit (a locked or full disk,
PostgreSQL out of reach) is ``AuditUnavailable`` (transient: the query is tried again later). The handlers write a
``pending`` row before they ask DSMP (``adapters.dsmp.asking``), so a log that cannot take a row stops each attempt
before DSMP is asked: DSMP is asked again only by an attempt whose own ``pending`` row was committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from adapters.dsmp.mapping import SmsLogQuery
from hub.audit import AuditEntry, AuditIntegrityError, AuditLog, AuditRecord, Outcome
from hub.audit.query_facts import QueryFacts
from hub.audit.sms_log_access import NO_ROLE
from hub.workers.errors import PermanentError, TransientError

__all__ = ["ASKING", "NOT_ASKED", "AuditLogTampered", "AuditUnavailable", "QueryTrail"]

log = logging.getLogger("onepoint.adapters.dsmp")
ASKING = "DSMP asked next; the call's outcome follows in a later row with this message id"  # a pending row's reason
NOT_ASKED = "DSMP not asked"  # how the failed row of an attempt held back by DSMP's open circuit begins

EntryFor = Callable[[Outcome, str, int], AuditEntry]  # (outcome, reason, rows returned) -> the row


class AuditLogTampered(PermanentError):
    """The audit log's tail does not match its anchor: no query is answered until it is examined."""


class AuditUnavailable(TransientError):
    """The audit row could not be committed now: the query waits (nothing is answered without its row)."""


class QueryTrail:
    """The rows of one delivery of one query: each ``write`` commits the next (same message id in all)."""

    def __init__(self, audit_log: AuditLog, entry_for: EntryFor) -> None:
        self._log = audit_log
        self._entry_for = entry_for

    @classmethod
    def of_sms_log_query(cls, audit_log: AuditLog, query: SmsLogQuery, *, role: str | None,
                         message_id: str) -> QueryTrail:
        """The trail of an SMS-log query: the operator's role, the subscriber masked, the work order as purpose."""
        period_from, period_to = query.audited_period()

        def entry(outcome: Outcome, reason: str, rows_returned: int) -> AuditEntry:
            return AuditEntry.for_query(
                operator=query.operator, role=role or NO_ROLE, client_address=query.operator_ip,
                msisdn=query.msisdn, period_from=period_from, period_to=period_to, purpose=query.stated_purpose,
                rows_returned=rows_returned, outcome=outcome, reason=reason, message_id=message_id,
                caller=query.caller, peer=query.peer)
        return cls(audit_log, entry)

    @classmethod
    def of_facts(cls, audit_log: AuditLog, facts: QueryFacts, *, caller: str | None, peer: str | None) -> QueryTrail:
        """The trail of a query read as ``QueryFacts`` (the SP complaint figures): no role, as the facts say."""
        def entry(outcome: Outcome, reason: str, rows_returned: int) -> AuditEntry:
            return facts.entry(role=NO_ROLE, outcome=outcome, reason=reason, caller=caller, peer=peer,
                               rows_returned=rows_returned)
        return cls(audit_log, entry)

    def write(self, outcome: Outcome, *, reason: str = "", rows_returned: int = 0) -> AuditRecord:
        """Commit the next row; raise ``AuditLogTampered`` / ``AuditUnavailable`` if it is not committed."""
        entry = self._entry_for(outcome, reason, rows_returned)
        try:
            return self._log.append(entry)
        except AuditIntegrityError as exc:
            log.error("audit log tail does not match its anchor (or its key): DSMP queries refused",
                      extra={"message_id": entry.message_id})
            raise AuditLogTampered(f"audit log integrity: {exc}") from exc
        except Exception as exc:
            raise AuditUnavailable(f"audit row not committed: {type(exc).__name__}: {exc}") from exc
