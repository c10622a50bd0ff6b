"""The audit trail of SMS-log queries: append-only rows in an HMAC chain whose key is kept away from the log.

Every QuerySmsLog, allowed, denied or failed, gets a row (who, role, client address, the caller the hub
authenticated and its address, number masked but for its last 4 digits, period, purpose, rows returned, outcome)
committed before any record is sent, and a ``pending`` row committed before DSMP is asked; ``onepoint audit
verify`` names the first altered, removed or reordered row, or a cut tail, and says so when it is given another
key than the log's. The log is a SQLite file per machine, or one chain in PostgreSQL for every hub and DSMP worker
(``[audit] database``). The DSMP adapter writes the rows of the queries that reach it; the ingress those it refuses
itself (``query_facts``, ``sms_log_access``: shared by both). See README, "Configuration / audit".
"""

from hub.audit.chain import Anchor, ChainKey
from hub.audit.entry import UNKNOWN, AuditEntry, AuditRecord, Outcome, mask_msisdn_tail, mask_numbers_in
from hub.audit.keys import DEVELOPMENT_KEY, AuditKeyError, load_chain_key
from hub.audit.log import AuditLog
from hub.audit.postgres import AuditDatabaseUnavailable, PostgresAuditStorage
from hub.audit.sqlite import SQLiteAuditStorage
from hub.audit.storage import AuditIntegrityError, AuditKeyMismatch, AuditStorage, Head
from hub.audit.verify import Finding, Problem, VerifyReport

__all__ = [
    "DEVELOPMENT_KEY",
    "UNKNOWN",
    "Anchor",
    "AuditDatabaseUnavailable",
    "AuditEntry",
    "AuditIntegrityError",
    "AuditKeyError",
    "AuditKeyMismatch",
    "AuditLog",
    "AuditRecord",
    "AuditStorage",
    "ChainKey",
    "Finding",
    "Head",
    "Outcome",
    "PostgresAuditStorage",
    "Problem",
    "SQLiteAuditStorage",
    "VerifyReport",
    "load_chain_key",
    "mask_msisdn_tail",
    "mask_numbers_in",
]
