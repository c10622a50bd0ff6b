"""The audit row of an audited command the ingress refuses itself: a ``denied`` row, as the adapter would write.

README: every SMS-log query, allowed, denied or failed, gets a row. One the ingress refuses never reaches the
DSMP adapter that writes the others: a system the authorization table does not let send it (403), a document
the schema refuses (400: no ``WorkOrderId``, hence no purpose), a SOAPAction that names another operation. A
system trying to read a subscriber's SMS records without being allowed to is exactly what a privacy officer
looks for, so the ingress appends the ``denied`` row itself to the same log (``[audit]``, ``hub.audit.AuditLog``)
before it answers: the caller it authenticated, the connection's address, the operator and its role
(``[adapters.<set>] operator_roles``), the number masked, the period and purpose as far as the document gives
them, and the reason (the refusal's code and message). It logs one WARNING line with the same facts, masked.

Only an authenticated caller's request is audited: a 401 (no or bad credentials) is logged as before and writes
no row (anyone could flood the log), nor does a body the hub cannot even read as that command (malformed XML,
another command). The log is opened on the first refusal, with the key ``[audit]`` names, and kept open; the
row is committed on a worker thread, never on the event loop. When it cannot be written (no usable key, the
database or disk unavailable, a log whose tail no longer matches its anchor) the refusal is still answered:
it is a refusal and nothing leaves the hub; the failure is logged as an ERROR (``onepoint.audit``), and the next
refusal opens the log again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import anyio.to_thread
from lxml import etree

from hub.audit.entry import AuditEntry, Outcome, mask_msisdn_tail, mask_numbers_in
from hub.audit.keys import AuditKeyError, load_chain_key
from hub.audit.log import AuditLog, sqlite_file
from hub.audit.postgres import AuditDatabaseUnavailable
from hub.audit.query_facts import query_facts
from hub.audit.sms_log_access import NO_ROLE, SmsLogAccess
from hub.audit.writers_lock import LogBeingArchived, WritersLock
from hub.config.settings import AuditSettings, CallerConfig, ConfigError, HubSettings
from hub.database.file_locks import SharedFileLock

__all__ = ["RefusalAudit", "refusal_audit"]

log = logging.getLogger("onepoint.ingress")
audit_log = logging.getLogger("onepoint.audit")


class RefusalAudit:
    """Appends the ``denied`` row of an audited command refused at the ingress (see the module).

    ``access``: by command set, who has which role (``[adapters.<set>]``); ``open_log``: opens the log (the one
    ``[audit]`` names), called on the first refusal and again after a failure; ``writers_lock``: the SQLite log's
    writers' lock, held from the start until ``close`` (``onepoint audit archive`` is refused while this process
    may write the log, though it opens the log only at its first refusal)."""

    def __init__(self, open_log: Callable[[], AuditLog], access: dict[str, SmsLogAccess] | None = None, *,
                 writers_lock: SharedFileLock | None = None) -> None:
        self._open_log = open_log
        self.access = dict(access or {})
        self._log: AuditLog | None = None
        self._lock = threading.Lock()
        self._writers_lock = writers_lock

    def entry(self, element: etree._Element, caller: CallerConfig, *, command_set: str, command_type: str,
              peer: str | None, reason: str) -> AuditEntry:
        """The ``denied`` row of ``element`` refused for ``reason``."""
        facts = query_facts(element)
        role = self.access.get(command_set, SmsLogAccess()).role_of(facts.operator) or NO_ROLE
        entry = facts.entry(role=role, outcome=Outcome.DENIED, reason=reason, caller=caller.username, peer=peer)
        log.warning("audited command refused at the ingress", extra={
            "command": command_type, "message_id": mask_numbers_in(facts.message_id),
            "operator": mask_numbers_in(facts.operator), "role": role, "msisdn": mask_msisdn_tail(facts.msisdn),
            "work_order_id": mask_numbers_in(facts.work_order_id), "caller": caller.username, "peer": peer,
            "reason": entry.reason})
        return entry

    async def record(self, entry: AuditEntry) -> bool:
        """Commit ``entry`` on a worker thread; False (logged as an ERROR) when it could not be."""
        return await anyio.to_thread.run_sync(self.append, entry)

    def append(self, entry: AuditEntry) -> bool:
        """Commit ``entry`` now; False (logged as an ERROR) when it could not be."""
        with self._lock:
            try:
                if self._log is None:
                    self._log = self._open_log()
                self._log.append(entry)
                return True
            except Exception as exc:
                audit_log.error("audit row of a query refused at the ingress NOT written: the refusal is answered, "
                                "the trail lacks it; fix [audit] (key, database, disk) and check the log with "
                                "`onepoint audit verify`", extra={
                                    "message_id": entry.message_id, "caller": entry.caller, "peer": entry.peer,
                                    "operator": entry.operator, "msisdn": entry.msisdn_masked,
                                    "reason": entry.reason, "error": f"{type(exc).__name__}: {exc}"})
                self._close_log()  # opened again on the next refusal
                return False

    def close(self) -> None:
        with self._lock:
            self._close_log()
            if self._writers_lock is not None:
                self._writers_lock.release()
                self._writers_lock = None

    def _close_log(self) -> None:
        if self._log is not None:
            opened, self._log = self._log, None
            try:
                opened.close()
            except Exception:
                audit_log.exception("closing the audit log failed")


def refusal_audit(settings: HubSettings, command_sets: set[str]) -> RefusalAudit:
    """The ``RefusalAudit`` of ``settings``: the log of ``[audit]``; the roles of ``[adapters.<set>]`` for each of
    ``command_sets`` (those with audited commands). A bad ``operator_roles`` is a ``ConfigError``. Without a
    usable key (``[audit] key_file`` / ``key_env``) the hub still starts, with a WARNING: a refused query would
    then go unaudited (an ERROR each time), so give the ingress process the key too (``serve --no-workers``)."""
    access: dict[str, SmsLogAccess] = {}
    for name in sorted(command_sets):
        try:
            options = settings.adapter(name).options
        except ConfigError:
            continue  # no [adapters.<set>]: nobody has a role
        try:
            access[name] = SmsLogAccess.from_options(options, f"{settings.source}: [adapters.{name}]")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    if command_sets and not settings.audit.development_key:
        _check_key(settings.audit)
    return RefusalAudit(lambda: AuditLog.open(settings.audit), access,
                        writers_lock=_writers_lock(settings.audit) if command_sets else None)


def _writers_lock(settings: AuditSettings) -> SharedFileLock | None:
    """The SQLite log's writers' lock, taken at start: an archive running now stops this process (``ConfigError``
    naming it); None for PostgreSQL (or a log setting the first refusal reports)."""
    try:
        path = sqlite_file(settings)
    except AuditDatabaseUnavailable:
        return None  # said by the first refusal's ERROR, as before
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return WritersLock.hold(path)
    except LogBeingArchived as exc:
        raise ConfigError(f"{settings.where}: {exc}") from None


def _check_key(settings: AuditSettings) -> None:
    try:
        load_chain_key(settings)
    except AuditKeyError as exc:
        audit_log.warning("SMS-log queries refused at the ingress cannot be audited: %s (give this process the"
                          " audit key: [audit] key_file or key_env)", exc)
