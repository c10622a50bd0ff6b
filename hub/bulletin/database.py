"""Where the bulletin board is kept, and what differs between SQLite and PostgreSQL there; the statements are the
same on both (SQLAlchemy Core, ``INSERT … ON CONFLICT``).

* **SQLite** (the file at ``[bulletin] path``, or a ``sqlite:///`` URL): WAL, ``synchronous=FULL``, a busy timeout;
  a write transaction begins with ``BEGIN IMMEDIATE`` (the write lock at once: two writers queue rather than fail
  on upgrading a read lock), a read with a plain ``BEGIN`` (``READ_ONLY``). One writer at a time: the lock is the
  whole file's.
* **PostgreSQL** (``[bulletin] database``: ``"workflow"`` or a URL; several hubs' bulletin workers write at once):
  ``lock_notice`` takes a transaction advisory lock on the notice id, so two writers of one notice (two revisions
  applied at once, one message redelivered to two workers) go one after the other, the second seeing what the first
  committed (READ COMMITTED); a lock waited for beyond the busy timeout (``lock_timeout``) fails.

Either way a writer kept waiting beyond the timeout, a serialization failure or a deadlock is ``BoardBusy``
(``unless_locked``): nothing was written, ask again (the API's 503 ``bulletin-busy``; the worker retries).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import StaticPool

from hub.database import CONNECT_TIMEOUT_SECONDS, postgres_connect_args

__all__ = ["CONNECT_TIMEOUT_SECONDS", "READ_ONLY", "BoardBusy", "engine_over", "greater", "insert_into",
           "lock_notice", "open_engine", "unless_locked"]

READ_ONLY = "bulletin_read_only"  # execution option: a SQLite transaction that only reads begins with plain BEGIN
_NOTICE_LOCKS = 0x62756C6C  # "bull": the first key of a notice's advisory lock (the two-key form: a space of its own)
_BUSY_STATES = {"55P03", "40001", "40P01"}  # PostgreSQL: lock not available, serialization failure, deadlock


class BoardBusy(RuntimeError):
    """The board's database kept a writer waiting beyond the busy timeout (another writer held it: retention, a
    burst of notices, another hub); nothing was written."""


def _on_sqlite(engine: Engine, busy_timeout_ms: int) -> Engine:
    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver's own implicit BEGIN off: see _begin
        for pragma in ("journal_mode=WAL", "synchronous=FULL", f"busy_timeout={int(busy_timeout_ms)}"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


def open_engine(url: str | URL, busy_timeout_ms: int = 10_000) -> Engine:
    """An engine for the board at ``url`` (``sqlite:///PATH`` or ``postgresql+psycopg://…``); a PostgreSQL
    connection not made within ``CONNECT_TIMEOUT_SECONDS`` fails (unless the URL sets ``connect_timeout``)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":  # connections are cheap: as many as threads want (no pool wait)
        return _on_sqlite(sa.create_engine(parsed, connect_args={"check_same_thread": False}, pool_size=5,
                                           max_overflow=-1, pool_use_lifo=True), busy_timeout_ms)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"the bulletin is kept in SQLite or PostgreSQL, not {parsed.get_backend_name()}")
    # bounded sessions (hub.database), a lock awaited at most the busy timeout (then BoardBusy)
    return sa.create_engine(parsed, pool_pre_ping=True,
                            connect_args=postgres_connect_args(parsed, lock_timeout_ms=busy_timeout_ms))


def engine_over(db: sqlite3.Connection) -> Engine:
    """An engine over a SQLite connection the caller holds (and closes), its transactions begun as the board's."""
    return _on_sqlite(sa.create_engine("sqlite://", creator=lambda: db, poolclass=StaticPool), 10_000)


@contextmanager
def unless_locked(what: str) -> Iterator[None]:
    """``BoardBusy`` (saying ``what`` did not happen) for a writer kept waiting; other errors as they are."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        orig = exc.orig
        if isinstance(orig, sqlite3.OperationalError):
            busy = orig.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
        else:
            busy = getattr(orig, "sqlstate", None) in _BUSY_STATES
        if busy:
            raise BoardBusy(f"the bulletin's database is locked by another writer (retention, a burst of notices, "
                            f"another hub); {what}") from exc
        raise


def lock_notice(connection: Connection, notice_id: str) -> None:
    """Wait for, then hold until the transaction ends, the lock of ``notice_id`` (PostgreSQL; on SQLite the
    transaction's write lock is held already). Two ids may share a lock (a 32-bit hash): they then only wait."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:space, hashtext(:notice_id))"),
                           {"space": _NOTICE_LOCKS, "notice_id": notice_id})


def insert_into(connection: Connection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` of this connection's dialect, which knows ``ON CONFLICT``."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def greater(first: sa.ColumnElement[int], second: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """The greater of two numbers, in SQL both dialects speak (SQLite's is ``max(a, b)``, PostgreSQL's ``greatest``)."""
    return sa.case((first >= second, first), else_=second)
