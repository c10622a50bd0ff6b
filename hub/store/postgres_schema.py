"""The table of the shared PostgreSQL processed-message store, its engine, and its creation when missing.

One table, ``onepoint_processed_messages``, keyed by ``(consumer, message_id)``: the adapters' workers of every
consumer (boss, crm, nsp, dsmp, oa, bulletin), on every machine, share one database. Its times are the database
server's (``now()``), never a worker's clock, so the leases of workers on machines whose clocks drift apart still
compare right.

No Alembic here, as for the SQLite processed store and the WS-Security nonce table: the store owns this one table
and nothing refers to it, so it is created when missing at open (under a transaction-scoped advisory lock, so workers
starting at once do not race) and a later column would be added at open the same way (``ADD COLUMN IF NOT EXISTS``).
The work-order database's own migrations never see it; its name does not collide with the workflow's
``processed_messages`` when both live in one database.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from hub.database import CONNECT_TIMEOUT_SECONDS, postgres_connect_args
from hub.transport.urls import redacted

__all__ = ["CONNECT_TIMEOUT_SECONDS", "PROCESSED", "create_processed_engine", "create_table", "psycopg_url"]

_CREATION_LOCK = 0x6F6E65707072636D  # "oneprcm": the advisory lock serializing the table's creation

_metadata = sa.MetaData()
PROCESSED = sa.Table(
    "onepoint_processed_messages", _metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("message_id", sa.Text, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),  # 'claimed' (a lease) or 'done' (the record)
    sa.Column("outcome", sa.Text),
    sa.Column("reply", sa.LargeBinary),  # a request's answer, written with the outcome
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("owner", sa.Text),  # the claiming process (hub.store.owner)
    sa.CheckConstraint("state IN ('claimed', 'done')", name="ck_onepoint_processed_messages_state"),
    sa.Index("ix_onepoint_processed_messages_updated", "consumer", "updated_at"),
)


def psycopg_url(url: str) -> URL:
    """``postgresql://…`` or ``postgresql+psycopg://…`` as SQLAlchemy's psycopg 3 URL (the driver installed with the
    hub; SQLAlchemy's default for ``postgresql://`` is psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername not in ("postgresql", "postgresql+psycopg"):
        raise ValueError(f"unsupported processed store URL {redacted(url)!r}: use postgresql+psycopg://")
    return parsed.set(drivername="postgresql+psycopg")


def create_processed_engine(url: str, **options: Any) -> Engine:
    """A pooled engine; a connection not made within ``CONNECT_TIMEOUT_SECONDS`` fails (unless the URL sets
    ``connect_timeout``): a database that accepts and never answers stops a worker's start, it does not hang it."""
    parsed = psycopg_url(url)
    options["connect_args"] = postgres_connect_args(parsed, given=options.get("connect_args"))  # bounded sessions
    # hide_parameters: a failed statement's message (a dead letter's reason, a log line) never shows the values it
    # was given (message ids, recorded answers)
    return sa.create_engine(parsed, pool_pre_ping=True, hide_parameters=True, **options)


def create_table(engine: Engine) -> None:
    """The table and its index, unless there; one process at a time (an advisory lock held by the transaction)."""
    with engine.begin() as connection:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATION_LOCK})
        _metadata.create_all(connection, checkfirst=True)

