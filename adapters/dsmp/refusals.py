"""The hub's own refusals of an SMS-log query, each answered ``c:Error`` with its code and audited ``denied``.

A refusal is raised before DSMP is asked: the operator's role (``role-not-allowed``), the operator named by a
caller its ``operator_roles`` entry does not bind it to (``operator-caller-mismatch``), the period
(``invalid-period``: it ends before it starts, or is no time the hub can read; ``period-too-long``: it covers more
than ``[adapters.dsmp] sms_log_max_days``), the purpose (the work order it
names does not exist, ``purpose-unknown-work-order``; the queried number is not its subscriber's, a contact number
given with it included, ``purpose-other-customer``; it was cancelled, ``purpose-work-order-cancelled``, or closed
longer ago than ``sms_log_days_after_close``, ``purpose-work-order-closed``; the period lies outside the
complaint's, ``purpose-period-outside-complaint``: ``adapters.dsmp.complaint_window``).
Their messages name the operator and the work order, never the subscriber's number in full nor the purpose's text.
DSMP's own refusal (``DsmpRefused``, in ``adapters.dsmp.client``) is no refusal of the hub's: it is audited
``failed``, like any other failure of the call.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hub.audit import mask_msisdn_tail, mask_numbers_in
from hub.workers.errors import BusinessRejection

__all__ = ["CALLER_MISMATCH", "INVALID_PERIOD", "OTHER_CUSTOMER", "OUTSIDE_COMPLAINT", "PERIOD_TOO_LONG",
           "ROLE_NOT_ALLOWED", "UNKNOWN_WORK_ORDER", "WORK_ORDER_CANCELLED", "WORK_ORDER_CLOSED",
           "OperatorCallerMismatch", "OperatorNotAllowed", "PeriodRefused", "PeriodTooLong", "PurposeRefused",
           "QueryRefused"]

ROLE_NOT_ALLOWED = "role-not-allowed"
CALLER_MISMATCH = "operator-caller-mismatch"
INVALID_PERIOD = "invalid-period"
PERIOD_TOO_LONG = "period-too-long"
UNKNOWN_WORK_ORDER = "purpose-unknown-work-order"
OTHER_CUSTOMER = "purpose-other-customer"
WORK_ORDER_CANCELLED = "purpose-work-order-cancelled"
WORK_ORDER_CLOSED = "purpose-work-order-closed"
OUTSIDE_COMPLAINT = "purpose-period-outside-complaint"


class QueryRefused(BusinessRejection):
    """The hub refuses the query itself (DSMP is not asked): the answer is a ``c:Error``, the row ``denied``.

    Any number in the message (an operator account or a time written with one) is masked: the message is logged
    by the worker, whose masking knows only 11 digits written together."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(mask_numbers_in(message), code=code)


class OperatorNotAllowed(QueryRefused):
    def __init__(self, operator: str, role: str | None) -> None:
        held = f"role {role}" if role else "no role"
        super().__init__(f"operator {operator} ({held}) may not query SMS logs", code=ROLE_NOT_ALLOWED)
        self.operator, self.role = operator, role


class OperatorCallerMismatch(QueryRefused):
    """The query names an operator account that the caller the hub authenticated may not name
    (``[adapters.dsmp] operator_roles`` ``callers``)."""

    def __init__(self, operator: str, caller: str | None, callers: frozenset[str]) -> None:
        super().__init__(f"operator {operator} may be named only by caller(s) {', '.join(sorted(callers))}, and "
                         f"this query was sent by {caller or 'a caller the message does not name'}",
                         code=CALLER_MISMATCH)
        self.operator, self.caller = operator, caller


class PeriodRefused(QueryRefused):
    def __init__(self, detail: str) -> None:
        super().__init__(f"invalid period: {detail}", code=INVALID_PERIOD)


class PeriodTooLong(QueryRefused):
    """The period covers more than an SMS-log query may (``[adapters.dsmp] sms_log_max_days``)."""

    def __init__(self, asked: str, limit_days: int) -> None:
        super().__init__(f"period too long: {asked}; an SMS-log query covers at most {limit_days} days "
                         "([adapters.dsmp] sms_log_max_days)", code=PERIOD_TOO_LONG)
        self.limit_days = limit_days


class PurposeRefused(QueryRefused):
    """The work order named as the query's purpose does not justify it."""

    @classmethod
    def unknown(cls, work_order_id: str) -> PurposeRefused:
        return cls(f"the purpose names work order {work_order_id}, which the hub does not have",
                   code=UNKNOWN_WORK_ORDER)

    @classmethod
    def other_customer(cls, work_order_id: str, msisdn: str) -> PurposeRefused:
        return cls(f"work order {work_order_id} is no complaint of the queried number {mask_msisdn_tail(msisdn)}: "
                   "only its subscriber's own records may be read (a contact number given with it does not count)",
                   code=OTHER_CUSTOMER)

    @classmethod
    def cancelled(cls, work_order_id: str) -> PurposeRefused:
        return cls(f"work order {work_order_id} is CANCELLED: a cancelled complaint justifies no SMS-log query",
                   code=WORK_ORDER_CANCELLED)

    @classmethod
    def closed_long_ago(cls, work_order_id: str, closed_at: datetime, days: int) -> PurposeRefused:
        return cls(f"work order {work_order_id} was closed at {_instant(closed_at)}: a closed complaint justifies "
                   f"SMS-log queries for {days} days after its closing only ([adapters.dsmp] "
                   "sms_log_days_after_close)", code=WORK_ORDER_CLOSED)

    @classmethod
    def outside_complaint(cls, work_order_id: str, asked: str, allowed: str) -> PurposeRefused:
        return cls(f"the period {asked} lies outside the complaint of work order {work_order_id}: the allowed "
                   f"period is {allowed} ([adapters.dsmp] sms_log_days_before_complaint)", code=OUTSIDE_COMPLAINT)


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")
