"""Everything that differs between SQLite and PostgreSQL in the work-order store, in one place.

* **Engine.** SQLite: WAL, ``synchronous=FULL`` (the WAL fsync'd at every commit: a work order answered COMPLETED
  and its message acked survives a power loss; under ``NORMAL`` the last commits could be rolled back, the
  workflow commits once per batch), a busy timeout, foreign keys on, and SQLAlchemy's transactions
  begun by us: ``BEGIN IMMEDIATE`` (the write lock at once, so two writers queue instead of failing on upgrade from a
  read lock) or a plain ``BEGIN`` for reads (``read_only()``). ``sqlite://`` (memory) is one shared connection,
  for single-threaded tests. PostgreSQL: a connection pool, READ COMMITTED, a connection given up after
  ``CONNECT_TIMEOUT_SECONDS`` unless the URL sets ``connect_timeout``, and bounds on what another process's
  stall can cost (``hub.database``: a lock awaited at most ``LOCK_TIMEOUT_MS``, a transient failure, the message
  retried and the rest of its batch going on; a session idle in a transaction ended; keep-alives). The migrations'
  lock alone waits without bound (``lock_migrations``: a first start migrating a large store takes its time).
* **Message lock.** PostgreSQL: ``pg_try_advisory_xact_lock`` on the message id (64-bit hash) not yet recorded,
  taken with its lookup (``claiming``), so a second worker holding the same id learns it is busy at once instead
  of running the effect twice; the lock ends with the transaction, also when the process dies. SQLite: the
  ``BEGIN IMMEDIATE`` write lock already serializes.
* **Customer lock.** PostgreSQL: ``pg_advisory_xact_lock`` on the customer's number (``lock_customer``), taken
  by a creation before it reads the customer's work orders, so two creations for one number in two processes see
  each other (the second is the repeat complaint) instead of both reading before either commits. SQLite: the
  ``BEGIN IMMEDIATE`` write lock already serializes.
* **Outage notices lock.** PostgreSQL: one advisory lock per database between complaints and notices. An intake
  takes it shared (``pg_advisory_xact_lock_shared``, ``share_outage_notices``) before it reads the active notices;
  a notice's arrival takes it exclusive (``lock_outage_notices``) before it records the notice and links or clears.
  The notice thus waits for the intakes in flight (their batch transactions commit first, its linking pass or
  clearance then reads their complaints) and the intakes after it wait for its commit (they then read it); intakes
  do not wait for one another. SQLite: the ``BEGIN IMMEDIATE`` write lock already serializes.
* **One snapshot for reading** (``one_snapshot``): PostgreSQL REPEATABLE READ, READ ONLY (under the store's READ
  COMMITTED each statement sees a moment of its own); SQLite a plain ``BEGIN``, whose snapshot, taken at the first
  read, holds to the end and (WAL) reads beside a writer. An in-memory SQLite store has one connection, shared
  (``shares_one_connection``): no second transaction can be opened beside an open one.
* **Insert-or-ignore** (``ON CONFLICT DO NOTHING``) through each dialect's own ``insert``.
* **Category prefix** in the form each dialect's index serves (``category_under``).
* ``FOR UPDATE SKIP LOCKED`` needs no branch: SQLAlchemy renders it on PostgreSQL and nothing on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, and_, create_engine, event, or_, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.dml import Insert

from hub.database import CONNECT_TIMEOUT_SECONDS, postgres_connect_args

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "READ_ONLY",
    "category_under",
    "create_store_engine",
    "insert_ignore",
    "lock_customer",
    "lock_migrations",
    "lock_outage_notices",
    "one_snapshot",
    "share_outage_notices",
    "shares_one_connection",
    "try_lock_publisher",
]

READ_ONLY = "onepoint_read_only"  # execution option: a SQLite transaction that only reads begins with plain BEGIN
_CUSTOMER_LOCKS = 0x6F6E6570  # "onep": the first key of a customer's lock (the two-key form: a space of its own)
_LOCK_CUSTOMER = text("SELECT pg_advisory_xact_lock(:space, hashtext(:msisdn))")
_MIGRATIONS_LOCK = 0x6F6E65706F696E74  # "onepoint": the advisory lock key serializing concurrent migrations
_PUBLISHER_LOCK = 0x6F6E65706F696E75  # the session lock of the one event publisher per database
_OUTAGE_NOTICES_LOCK = 0x6F6E65706F696E76  # intakes (shared) against a notice's arrival (exclusive), per database
_SHARE_OUTAGE_NOTICES = text("SELECT pg_advisory_xact_lock_shared(:key)")
_LOCK_OUTAGE_NOTICES = text("SELECT pg_advisory_xact_lock(:key)")


def create_store_engine(url: str, *, busy_timeout_ms: int = 10_000, cache_mib: int = 64, **options: Any) -> Engine:
    """An engine for ``sqlite:///path``, ``sqlite://`` (memory) or ``postgresql+psycopg://…``.

    SQLite's page cache is ``cache_mib`` per connection (its default is 2 MiB): random work-order ids land all over
    the primary-key index, and a store of a million work orders should find those pages in memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        options["connect_args"] = postgres_connect_args(parsed, given=options.get("connect_args"))
        return create_engine(parsed, pool_pre_ping=True, **options)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(f"unsupported work-order store URL {parsed.render_as_string(hide_password=True)!r}")
    memory = parsed.database in (None, "", ":memory:")
    if memory:
        options.setdefault("poolclass", StaticPool)
    else:
        options.setdefault("pool_use_lifo", True)  # the most recently used connection: its page cache is warm
    engine = create_engine(parsed, connect_args={"check_same_thread": False}, **options)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver's own implicit BEGIN off: see _begin
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # see the module's docstring: Engine
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute(f"PRAGMA cache_size=-{int(cache_mib) * 1024}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def shares_one_connection(engine: Engine) -> bool:
    """Whether every connection of ``engine`` is the same one (a SQLite memory database: ``StaticPool``)."""
    return isinstance(engine.pool, StaticPool)


@contextmanager
def one_snapshot(engine: Engine) -> Iterator[Connection]:
    """A transaction that only reads, every statement of it seeing the same moment: PostgreSQL REPEATABLE READ,
    READ ONLY; SQLite a plain ``BEGIN`` (no write lock). Figures read in several statements then agree with one
    another however many changes commit meanwhile."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            reading = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        else:
            reading = connection.execution_options(**{READ_ONLY: True})
        with reading.begin():
            yield reading


def category_under(column: ColumnElement[str], prefix: str, dialect: str) -> ColumnElement[bool]:
    """``column`` is ``prefix`` or below it (``01.02`` → ``01.02`` and ``01.02.*``), in a form each dialect answers
    from the category index: ``LIKE 'p.%'`` (PostgreSQL, ``text_pattern_ops``), a range ``'p.' <= c < 'p/'``
    (SQLite, whose LIKE ignores indexes; binary order puts ``/`` right after ``.``)."""
    below = column.startswith(prefix + ".", autoescape=True) if dialect == "postgresql" else (
        and_(column >= prefix + ".", column < prefix + "/"))
    return or_(column == prefix, below)


def lock_migrations(connection: Connection) -> None:
    """Serialize concurrent migrations of one database (several hub processes starting at once). The wait has no
    bound (``SET LOCAL``: this transaction only): another process's first start may take long on a large store."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL lock_timeout = 0"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATIONS_LOCK})


def try_lock_publisher(connection: Connection) -> bool:
    """Become the database's one event publisher: a session advisory lock on PostgreSQL, held while ``connection``
    stays open (a process that dies lets it go); SQLite: always (run one hub process on a SQLite store)."""
    if connection.dialect.name != "postgresql":
        return True
    held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _PUBLISHER_LOCK}).scalar_one()
    connection.commit()  # the session lock outlives the transaction; end it so no snapshot is held open
    return bool(held)


def lock_customer(connection: Connection, msisdn: str) -> None:
    """Wait for, then hold until the transaction ends, the lock of the customer ``msisdn`` (PostgreSQL; on SQLite
    the transaction's write lock is held already). Two numbers may share a lock (a 32-bit hash): they then only
    wait for each other."""
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_CUSTOMER, {"space": _CUSTOMER_LOCKS, "msisdn": msisdn})


def share_outage_notices(connection: Connection) -> None:
    """Hold, until the transaction ends, the outage notices lock shared (PostgreSQL; SQLite's write lock is held
    already): taken by an intake before it reads the active notices, so that a notice arriving meanwhile waits for
    this transaction's commit and then links or clears its complaint, and one that is arriving is read once it
    committed. Intakes share it; a batch that holds it already takes it again at once."""
    if connection.dialect.name == "postgresql":
        connection.execute(_SHARE_OUTAGE_NOTICES, {"key": _OUTAGE_NOTICES_LOCK})


def lock_outage_notices(connection: Connection) -> None:
    """Wait for, then hold until the transaction ends, the outage notices lock exclusive (PostgreSQL; SQLite's write
    lock is held already): taken by a notice's arrival before it records the notice. It waits for the intakes in
    flight (at most a batch transaction each, the session's lock timeout bounding the wait: a transient failure,
    retried); the intakes asking after it wait for it."""
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_OUTAGE_NOTICES, {"key": _OUTAGE_NOTICES_LOCK})


def insert_ignore(connection: Connection, table: Table) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for this connection's dialect."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
