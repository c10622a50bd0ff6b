"""Whether the work-order store's writes succeed: its last write failure against its last successful write.

``SELECT 1`` answers on a database that no work order can be written to (a read-only file after a restore, a full
disk): ``/readyz`` said ``ok`` while every ``CreateWorkOrder`` was answered 503. ``WriteHealth.watch(engine)``
follows every transaction of the store's engine:

* a commit of a transaction that changed rows counts as a write when it starts (the ``commit`` event; SQLAlchemy
  has none after it) — its failure, said later by the ``handle_error`` event, outranks it. Changed rows: on SQLite
  the driver's ``total_changes`` grew since the ``begin`` (also through ``prepared``, which runs on the driver's
  cursor), elsewhere an INSERT, UPDATE or DELETE ran. A transaction that only read (the publisher's, the health
  gauges') proves nothing: on a full disk reads go on, and counting their commits cleared the failure at once;
* an error of the database that says writes cannot be done: SQLite's ``SQLITE_READONLY*``, ``SQLITE_FULL``,
  ``SQLITE_IOERR*``, ``SQLITE_CANTOPEN``; PostgreSQL's class 53 (insufficient resources: disk full), class 58
  (system error: I/O) and 25006 (a read-only transaction: a standby). A lock wait, a busy database, a constraint or
  a lost connection are not: they say nothing of whether the next write can be kept.

``failing()`` is the last failure's text while it is more recent than the last write, None otherwise; the
readiness check's own write, rolled back, records its failure with ``failed`` (``readiness``)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection, ExceptionContext

from hub.observability.quiet import short_reason

__all__ = ["WriteHealth", "cannot_write"]

_SQLITE_CANNOT_WRITE = ("SQLITE_READONLY", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")
_POSTGRES_CANNOT_WRITE = ("53", "58", "25006")  # SQLSTATE classes (and one code)
_CHANGES_AT_BEGIN = "onepoint_changes_at_begin"  # the driver connection's info: SQLite's total_changes at BEGIN
_CHANGED = "onepoint_changed"  # the driver connection's info: a statement of this transaction changed rows
_CHANGING = ("INSERT", "UPDATE", "DELETE", "MERGE")


def _total_changes(connection: Connection) -> int:
    """SQLite's count of rows changed on this driver connection since it was opened; 0 for other drivers."""
    return int(getattr(connection.connection.dbapi_connection, "total_changes", 0))


def cannot_write(error: BaseException) -> bool:
    """Whether a database driver's ``error`` says that writes cannot be done (see the module's docstring)."""
    name = getattr(error, "sqlite_errorname", None)
    if isinstance(name, str):
        return name.startswith(_SQLITE_CANNOT_WRITE)
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return isinstance(state, str) and state.startswith(_POSTGRES_CANNOT_WRITE)


class WriteHealth:
    """The last write and the last write failure of one engine, in the order they happened."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._order = 0  # the order of events: a counter, not a clock (two in one tick stay ordered)
        self._last_write = 0
        self._last_failure = 0
        self._failure: str | None = None

    def watch(self, engine: Engine) -> WriteHealth:
        event.listen(engine, "begin", self._beginning)
        event.listen(engine, "commit", self._committing)
        event.listen(engine, "handle_error", self._erred)
        if engine.dialect.name != "sqlite":
            event.listen(engine, "after_cursor_execute", self._executed)
        return self

    def written(self) -> None:
        with self._lock:
            self._order += 1
            self._last_write = self._order

    def failed(self, reason: str) -> None:
        with self._lock:
            self._order += 1
            self._last_failure, self._failure = self._order, reason

    def failing(self) -> str | None:
        """The last write failure's reason while no write succeeded since."""
        with self._lock:
            return self._failure if self._last_failure > self._last_write else None

    def _beginning(self, connection: Connection) -> None:
        connection.info[_CHANGES_AT_BEGIN] = _total_changes(connection)
        connection.info[_CHANGED] = False

    def _executed(self, connection: Connection, _cursor: Any, statement: str, _parameters: Any, _context: Any,
                  _executemany: bool) -> None:
        if statement.lstrip()[:6].upper().startswith(_CHANGING):
            connection.info[_CHANGED] = True

    def _committing(self, connection: Connection) -> None:
        info = connection.info
        if info.get(_CHANGED) or _total_changes(connection) > info.get(_CHANGES_AT_BEGIN, 0):
            self.written()

    def _erred(self, context: ExceptionContext) -> Any:
        error = context.original_exception
        if cannot_write(error):
            self.failed(short_reason(error))
        return None
