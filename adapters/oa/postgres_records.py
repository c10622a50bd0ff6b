"""The OA adapter's records in the deployment's shared PostgreSQL database (``[workers] processed_store``): its
tables, their creation, and the engine that reaches them.

The notice book (``adapters.oa.notice_book``) and the closed items (to-dos closed, to-reads withdrawn:
``adapters.oa.closed_items``) hold only if every OA worker of the deployment judges against one record; a SQLite
file beside the bulletin's serves the workers of one machine. So when the deployment shares its processed-message
records in PostgreSQL (two hubs, or ``onepoint worker oa`` on two machines), the OA adapter keeps its records in
that same database (``adapters.oa.wiring``), in tables of its own, the topology prefix a column as in the file:

* ``onepoint_oa_notice_versions`` and ``onepoint_oa_to_read_items`` (``adapters.oa.notice_postgres``);
* ``onepoint_oa_closed_todos`` (``adapters.oa.closed_items_postgres``; named when it held to-dos only).

The ``onepoint_`` names keep them apart from the processed store's ``onepoint_processed_messages`` and from the
work-order database's tables, should one database hold them all. No Alembic, as for the processed store: the
adapter owns these tables and nothing refers to them, so they are created when missing at open, one process at a
time (a transaction-scoped advisory lock), by the workers starting at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from hub.store.postgres_schema import create_processed_engine

__all__ = ["CLOSED_TODOS", "ITEMS", "NOTICES", "create_tables", "lock", "open_engine"]

_CREATION_LOCK = 0x6F6E656F61726563  # "oneoarec": the advisory lock serializing the tables' creation
_RECORD_LOCKS = 0x6F616E62  # "oanb": the key space of the per-notice and per-item locks (two-int advisory locks)

_metadata = sa.MetaData()
NOTICES = sa.Table(
    "onepoint_oa_notice_versions", _metadata,
    sa.Column("prefix", sa.Text, primary_key=True),
    sa.Column("notice_id", sa.Text, primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("cleared", sa.Boolean, nullable=False),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("message_id", sa.Text, nullable=False),
    sa.Column("sent_at", sa.Text),  # ISO 8601, as the file keeps it
    sa.Column("told", sa.Text, nullable=False, server_default=""),  # the managers told, space-separated
    sa.Column("changed_at", sa.Float, nullable=False),
    sa.Index("ix_onepoint_oa_notice_versions_cleared", "prefix", "cleared", "changed_at"),
)
ITEMS = sa.Table(
    "onepoint_oa_to_read_items", _metadata,
    sa.Column("prefix", sa.Text, primary_key=True),
    sa.Column("item_id", sa.Text, primary_key=True),
    sa.Column("notice_id", sa.Text, nullable=False),
    sa.Column("wanted", sa.Integer, nullable=False),
    sa.Column("wanted_id", sa.Text, nullable=False),
    sa.Column("pushed", sa.Integer, nullable=False),
    sa.Column("lease_owner", sa.Text, nullable=False),
    sa.Column("lease_until", sa.Float, nullable=False),
    sa.Index("ix_onepoint_oa_to_read_items_notice", "prefix", "notice_id"),
)
CLOSED_TODOS = sa.Table(
    "onepoint_oa_closed_todos", _metadata,
    sa.Column("prefix", sa.Text, primary_key=True),
    sa.Column("item_id", sa.Text, primary_key=True),
    sa.Column("closed_at", sa.Float, nullable=False),
    sa.Index("ix_onepoint_oa_closed_todos_closed_at", "prefix", "closed_at"),
)


def open_engine(url: str) -> Engine:
    """A pooled engine on ``url`` (``postgresql://`` or ``postgresql+psycopg://``), with the processed store's
    connect time-out, its tables created when missing."""
    engine = create_processed_engine(url)
    try:
        create_tables(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def create_tables(engine: Engine) -> None:
    """The three tables and their indexes, unless there; one process at a time."""
    with engine.begin() as connection:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATION_LOCK})
        _metadata.create_all(connection, checkfirst=True)


def lock(connection: Connection, *key: str) -> None:
    """Wait for, then hold until the transaction ends, the lock of ``key`` (the prefix, what is locked, its id):
    of two transactions judging one notice or one item, the second reads what the first committed. Keys are
    hashed to 32 bits: two that collide only wait for each other."""
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
                       {"space": _RECORD_LOCKS, "key": "\x1f".join(key)})
