"""The hub's own refusals of an SMS-log query, each answered ``c:Error`` with its code and audited ``denied``.

A refusal is raised before DSMP is asked: the operator's role (``role-not-allowed``), the period
(``invalid-period``: it ends before it starts, or is no time the hub can read), the purpose (the work order it
names does not exist, ``purpose-unknown-work-order``, or is another customer's, ``purpose-other-customer``).
Their messages name the operator and the work order, never the subscriber's number in full nor the purpose's text.
DSMP's own refusal (``DsmpRefused``, in ``adapters.dsmp.client``) is no refusal of the hub's: it is audited
``failed``, like any other failure of the call.
"""

from __future__ import annotations

from hub.audit import mask_msisdn_tail, mask_numbers_in
from hub.workers.errors import BusinessRejection

__all__ = ["INVALID_PERIOD", "OTHER_CUSTOMER", "ROLE_NOT_ALLOWED", "UNKNOWN_WORK_ORDER", "OperatorNotAllowed",
           "PeriodRefused", "PurposeRefused", "QueryRefused"]

ROLE_NOT_ALLOWED = "role-not-allowed"
INVALID_PERIOD = "invalid-period"
UNKNOWN_WORK_ORDER = "purpose-unknown-work-order"
OTHER_CUSTOMER = "purpose-other-customer"


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


class PeriodRefused(QueryRefused):
    def __init__(self, detail: str) -> None:
        super().__init__(f"invalid period: {detail}", code=INVALID_PERIOD)


class PurposeRefused(QueryRefused):
    """The work order named as the query's purpose does not justify it."""

    @classmethod
    def unknown(cls, work_order_id: str) -> PurposeRefused:
        return cls(f"the purpose names work order {work_order_id}, which the hub does not have",
                   code=UNKNOWN_WORK_ORDER)

    @classmethod
    def other_customer(cls, work_order_id: str, msisdn: str) -> PurposeRefused:
        return cls(f"work order {work_order_id} does not concern the queried number {mask_msisdn_tail(msisdn)}",
                   code=OTHER_CUSTOMER)
