"""DSMP adapter: the hub's link to DSMP (the data-service platform of the SPs: SMS records, SP complaint figures).

Consumes queue ``dsmp`` — ``dsmp.QuerySmsLog`` and ``dsmp.QuerySpComplaintStats``, both requests — and answers
each with DSMP's response (XML over HTTP through ``hub.gateways.XmlGateway``). An SMS-log query is allowed only
to an operator whose role ``[adapters.dsmp]`` allows (``SmsLogAccess``); every one, allowed or denied, is first
written to the hash-chained audit log (``hub.audit``): no record leaves before its row is committed. A denied
query is answered ``c:Error`` ``role-not-allowed``; a query DSMP refuses, ``dsmp-refused``. Emits nothing.
"""

from adapters.dsmp.access import OperatorRole, SmsLogAccess
from adapters.dsmp.client import DsmpClient, DsmpRefused
from adapters.dsmp.handlers import CONSUMER, ROLE_NOT_ALLOWED, OperatorNotAllowed, handlers
from adapters.dsmp.mapping import SmsLogPage, SmsLogQuery, SpComplaintStats
from adapters.dsmp.trail import AuditLogTampered, AuditUnavailable
from adapters.dsmp.wiring import close, dependencies

__all__ = [
    "CONSUMER",
    "ROLE_NOT_ALLOWED",
    "AuditLogTampered",
    "AuditUnavailable",
    "DsmpClient",
    "DsmpRefused",
    "OperatorNotAllowed",
    "OperatorRole",
    "SmsLogAccess",
    "SmsLogPage",
    "SmsLogQuery",
    "SpComplaintStats",
    "close",
    "dependencies",
    "handlers",
]
