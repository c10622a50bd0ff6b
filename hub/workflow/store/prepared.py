"""The store's hottest statements, compiled by SQLAlchemy once and executed on SQLite's own cursor.

A work order's creation and dispatch run about a dozen INSERT and UPDATE statements. Through ``Connection.execute``
each one costs ~35 µs of SQLAlchemy's Python (execution context, parameter processing, result set-up) around
~20 µs of SQLite's work; that was over a third of the workflow worker's CPU (``bench/README.md``, workflow.py).
``Prepared`` keeps SQLAlchemy as the author of the SQL: the statement is compiled by the connection's dialect, once
per set of parameter names, and what SQLAlchemy would do per execution is kept: the parameters in the compiled
order, each through its type's bind processor (``UTCDateTime`` refuses naive times and converts to UTC as before).
Only the execution is direct: ``cursor.execute`` / ``executemany`` on the DBAPI connection of the same transaction.

SQLite only (qmark parameters, no statement options SQLAlchemy resolves at run time). Any other dialect, and any
statement whose compiled form needs more than this (Python-side column defaults, parameters expanded at run time)
runs through ``Connection.execute`` unchanged, so the two paths give the same rows (a unit test compares them).
A form is compiled on first use per parameter-name set and kept for the process (threads may compile one twice).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql import Executable, Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

__all__ = ["Prepared", "run_driver_sql"]

Processor = Callable[[Any], Any] | None
_CONSTANT = ""  # the name of a parameter whose value is the statement's own (``version + 1``)


@dataclass(frozen=True, slots=True)
class _Form:
    """One compiled form: the SQL, its parameters' names in order (``_CONSTANT`` for a value of the statement's own,
    taken from ``constants``) and their bind processors."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Processor, ...]
    constants: tuple[Any, ...]
    results: tuple[Processor, ...] | None  # the rows' processors; None: the statement returns no rows

    def rows(self, found: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        results = self.results or ()
        if not any(results):
            return [tuple(row) for row in found]
        return [tuple(value if process is None else process(value) for value, process in zip(row, results, strict=True))
                for row in found]

    def arguments(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The parameters in order, processed; a processor's refusal raised as SQLAlchemy raises it."""
        try:
            arguments = []
            for name, process, constant in zip(self.names, self.processors, self.constants, strict=True):
                if name is _CONSTANT:
                    arguments.append(constant)
                else:
                    value = params[name]
                    arguments.append(value if process is None else process(value))
            return tuple(arguments)
        except Exception as exc:
            raise StatementError(f"({type(exc).__module__}.{type(exc).__name__}) {exc}", self.sql, dict(params),
                                 exc) from exc


class Prepared:
    """A statement run with SQLAlchemy's SQL on the driver's cursor (SQLite; see the module): an INSERT, UPDATE or
    DELETE (``execute``, ``executemany``), or a SELECT (``all``). Rows come back as tuples, each value through its
    column type's result processor (``UTCDateTime``: an aware datetime), as ``Connection.execute`` gives them."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._forms: dict[tuple[str, frozenset[str]], _Form | None] = {}

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run it with ``params``; the first row it returns (``RETURNING``, a SELECT), else None."""
        rows = self._run(connection, params, first=True)
        return rows[0] if rows else None

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run it with ``params``; every row it returns."""
        return self._run(connection, params, first=False)

    def executemany(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run it once per row (every row with the same keys), as one ``executemany``; no rows come back."""
        if not rows:
            return
        form = self._form(connection, rows[0])
        if form is None or form.results is not None or not connection.in_transaction():
            connection.execute(self.statement, [dict(row) for row in rows])
            return
        arguments = [form.arguments(row) for row in rows]
        try:
            _cursor(connection).executemany(form.sql, arguments)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(connection, form.sql, arguments, exc) from exc

    def _run(self, connection: Connection, params: Mapping[str, Any], *, first: bool) -> list[tuple[Any, ...]]:
        form = self._form(connection, params)
        if form is None or not connection.in_transaction():
            result = connection.execute(self.statement, dict(params))
            if not result.returns_rows:
                return []
            return [tuple(row) for row in (result.fetchmany(1) if first else result.all())]
        arguments = form.arguments(params)
        cursor = _cursor(connection)
        try:
            cursor.execute(form.sql, arguments)
            if form.results is None:
                return []
            found = cursor.fetchall()  # all of them also with ``first``: SQLite finishes a statement once read
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(connection, form.sql, arguments, exc) from exc
        return form.rows(found[:1] if first else found)

    def _form(self, connection: Connection, params: Mapping[str, Any]) -> _Form | None:
        dialect = connection.dialect
        key = (dialect.name, frozenset(params))
        try:
            return self._forms[key]
        except KeyError:
            form = self._forms[key] = _compile(self.statement, connection, params) if dialect.name == "sqlite" \
                else None
            return form


def _compile(statement: Executable, connection: Connection, params: Mapping[str, Any]) -> _Form | None:
    dialect = connection.dialect
    if not isinstance(statement, UpdateBase | Select):
        return None
    compiled = statement.compile(dialect=dialect, column_keys=list(params))
    if not isinstance(compiled, SQLCompiler) or not compiled.positional or dialect.paramstyle != "qmark":
        return None
    if compiled.insert_prefetch or compiled.update_prefetch:
        return None  # Python-side defaults: SQLAlchemy computes them per execution
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None  # parameters rendered at run time (IN lists)
    names: list[str] = []
    processors: list[Processor] = []
    constants: list[Any] = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if name in params:
            names.append(name)
            processors.append(process)
            constants.append(None)
        elif bind.required or bind.callable is not None:
            return None  # a parameter missing: SQLAlchemy's own error
        else:
            names.append(_CONSTANT)
            processors.append(None)
            constants.append(bind.value if process is None else process(bind.value))
    columns = statement.selected_columns if isinstance(statement, Select) else compiled.effective_returning or None
    results = None if columns is None else tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    return _Form(compiled.string, tuple(names), tuple(processors), tuple(constants), results)


def run_driver_sql(connection: Connection, sql: str) -> None:
    """Run ``sql`` (no parameters, no rows: ``SAVEPOINT x``) in the connection's transaction, on the driver's cursor
    on SQLite (~2 µs against ~15 µs through ``exec_driver_sql``)."""
    if connection.dialect.name != "sqlite" or not connection.in_transaction():
        connection.exec_driver_sql(sql)
        return
    try:
        _cursor(connection).execute(sql)
    except connection.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(connection, sql, (), exc) from exc


def _wrapped(connection: Connection, sql: str, arguments: Any, exc: Exception) -> BaseException:
    """The driver's error as SQLAlchemy raises it (``IntegrityError``, ``OperationalError``, …): callers catch those."""
    return DBAPIError.instance(sql, arguments, exc, connection.dialect.loaded_dbapi.Error,
                               dialect=connection.dialect)


def _cursor(connection: Connection) -> Any:
    """A cursor of the DBAPI connection behind ``connection`` (its transaction begun by SQLAlchemy)."""
    return connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
