"""DSMP adapter: the hub's link to DSMP (the data-service platform of the SPs: SMS records, SP complaint figures).

Consumes queue ``dsmp`` — ``dsmp.QuerySmsLog`` and ``dsmp.QuerySpComplaintStats``, both requests — and answers
each with DSMP's response (XML over HTTP through ``hub.gateways.XmlGateway``). An SMS-log query is allowed only
to an operator whose role ``[adapters.dsmp]`` allows (``SmsLogAccess``), for a readable period no longer than
``sms_log_max_days`` (default 31), with a purpose
the hub knows: a work order of the queried subscriber (``WorkOrderLookup`` over the hub's work-order store), not
cancelled nor closed long ago, the period within the complaint's (``adapters.dsmp.complaint_window``).
Every one, allowed, denied or failed, is first written to the hash-chained audit log (``hub.audit``), with the
caller the hub authenticated and its address: no record leaves before its row is committed, and DSMP is asked only
once a ``pending`` row for that attempt is committed (a log that cannot take a row stops the query before DSMP is
asked, however often it is retried). A denied query is
answered ``c:Error`` with the refusal's code (``adapters.dsmp.refusals``); a query DSMP refuses, ``dsmp-refused``;
a query whose caller stopped waiting is not run (``adapters.dsmp.waiting``, ``caller-stopped-waiting``).
Emits nothing.
"""

from adapters.dsmp.client import DsmpClient, DsmpRefused
from adapters.dsmp.handlers import CONSUMER, handlers
from adapters.dsmp.mapping import SmsLogPage, SmsLogQuery, SpComplaintStats
from adapters.dsmp.purpose import InMemoryWorkOrders, StoredWorkOrders, WorkOrderLookup, WorkOrderParties
from adapters.dsmp.refusals import (
    CALLER_MISMATCH,
    INVALID_PERIOD,
    OTHER_CUSTOMER,
    OUTSIDE_COMPLAINT,
    PERIOD_TOO_LONG,
    ROLE_NOT_ALLOWED,
    UNKNOWN_WORK_ORDER,
    WORK_ORDER_CANCELLED,
    WORK_ORDER_CLOSED,
    OperatorCallerMismatch,
    OperatorNotAllowed,
    PeriodRefused,
    PeriodTooLong,
    PurposeRefused,
    QueryRefused,
)
from adapters.dsmp.trail import AuditLogTampered, AuditUnavailable
from adapters.dsmp.waiting import CALLER_STOPPED_WAITING, CallerStoppedWaiting
from adapters.dsmp.wiring import close, dependencies
from hub.audit.sms_log_access import OperatorRole, SmsLogAccess

__all__ = [
    "CALLER_MISMATCH",
    "CALLER_STOPPED_WAITING",
    "CONSUMER",
    "INVALID_PERIOD",
    "OTHER_CUSTOMER",
    "OUTSIDE_COMPLAINT",
    "PERIOD_TOO_LONG",
    "ROLE_NOT_ALLOWED",
    "UNKNOWN_WORK_ORDER",
    "WORK_ORDER_CANCELLED",
    "WORK_ORDER_CLOSED",
    "AuditLogTampered",
    "AuditUnavailable",
    "CallerStoppedWaiting",
    "DsmpClient",
    "DsmpRefused",
    "InMemoryWorkOrders",
    "OperatorCallerMismatch",
    "OperatorNotAllowed",
    "OperatorRole",
    "PeriodRefused",
    "PeriodTooLong",
    "PurposeRefused",
    "QueryRefused",
    "SmsLogAccess",
    "SmsLogPage",
    "SmsLogQuery",
    "SpComplaintStats",
    "StoredWorkOrders",
    "WorkOrderLookup",
    "WorkOrderParties",
    "close",
    "dependencies",
    "handlers",
]
