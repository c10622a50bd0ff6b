"""The PostgreSQL audit log's tables, their creation, and how its rows, anchor and key id are read back.

The tables are named ``onepoint_audit_*`` so that they collide with nothing else in the database they share (the
work-order database, for ``[audit] database = "workflow"``); their columns are the SQLite log's (``sqlite_schema``),
with ``BYTEA`` MACs. Hubs and DSMP workers starting together create them once: the creation runs under a
transaction advisory lock, and a process that finds them made creates nothing.

Append-only, as on SQLite: triggers refuse ``UPDATE``, ``DELETE`` and ``TRUNCATE`` on the rows and ``UPDATE`` of the
key id. Triggers rather than ``REVOKE``: the hub connects as the owner of the tables it creates (the work-order
database's role), and an owner's privileges can be revoked only by himself and granted back at will; a trigger
refuses the statement to every role that does not first drop or disable it (an owner or a superuser can: that stops
mistakes, not an attacker, whom the MAC chain detects). A deployment that wants more creates the tables with
another role and grants its hub role ``SELECT`` and ``INSERT`` on the three tables and ``UPDATE`` on
``onepoint_audit_anchor`` only (the anchor is one row, moved with every append).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub.audit.chain import Anchor
from hub.audit.entry import FIELDS, FIELDS_V1, AuditRecord
from hub.audit.sqlite_schema import blob_of, record_of

__all__ = ["ANCHOR", "KEY", "LOG", "create_tables", "has_log", "has_rows_table", "read_anchor", "read_key_id",
           "read_records"]

_CREATION_LOCK = 0x6F6E6570_61756474  # "onepaudt": the advisory lock serializing the tables' creation
PAGE = 1000  # rows read per query: a log of any length is read in pages, never whole

_metadata = sa.MetaData()
LOG = sa.Table(
    "onepoint_audit_log", _metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Text, nullable=False),
    *(sa.Column(name, sa.BigInteger if name == "rows_returned" else sa.Text,
                nullable=name in ("period_from", "period_to")) for name in FIELDS_V1),
    sa.Column("prev_mac", sa.LargeBinary, nullable=False),
    sa.Column("mac", sa.LargeBinary, nullable=False),
    sa.Column("caller", sa.Text),  # after the MACs, as on SQLite (where they were added later): the same SQL reads
    sa.Column("peer", sa.Text),    # and tampers with both
)
ANCHOR = sa.Table(
    "onepoint_audit_anchor", _metadata,
    sa.Column("id", sa.SmallInteger, sa.CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("mac", sa.LargeBinary, nullable=False),
    sa.Column("anchor_mac", sa.LargeBinary, nullable=False),
)
KEY = sa.Table(
    "onepoint_audit_key", _metadata,
    sa.Column("id", sa.SmallInteger, sa.CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
    sa.Column("key_id", sa.Text, nullable=False),
)

_REFUSE = """CREATE FUNCTION onepoint_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation'; END $$"""
_APPEND_ONLY = {  # trigger: (its table, what it refuses)
    "onepoint_audit_log_append_only": ("onepoint_audit_log", "BEFORE UPDATE OR DELETE", "ROW",
                                       "the audit log is append-only"),
    "onepoint_audit_log_no_truncate": ("onepoint_audit_log", "BEFORE TRUNCATE", "STATEMENT",
                                       "the audit log is append-only"),
    "onepoint_audit_key_no_update": ("onepoint_audit_key", "BEFORE UPDATE", "ROW",
                                     "the key id of an audit log never changes"),
}


def _exists(connection: Connection, table: sa.Table) -> bool:
    """Whether ``table`` is there (a tamperer may have dropped it: then it reads as empty, as on SQLite)."""
    return connection.execute(sa.select(sa.func.to_regclass(table.name).is_not(None))).scalar_one() is True


def has_log(connection: Connection) -> bool:
    """Whether the database holds an audit log: its rows' table, or what is left of it when a tamperer dropped the
    rows' table (the anchor or the key id: verify then reports every row removed)."""
    return any(_exists(connection, table) for table in (LOG, ANCHOR, KEY))


def has_rows_table(connection: Connection) -> bool:
    return _exists(connection, LOG)


def create_tables(connection: Connection) -> None:
    """The tables and their triggers, those missing made (as SQLite's ``CREATE … IF NOT EXISTS`` on every opening
    for writing: a trigger dropped comes back when a hub next opens the log); in the caller's transaction, under
    the creation lock. Nothing is created when all is there, so a role that owns nothing can open the log."""
    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_CREATION_LOCK)))
    _metadata.create_all(connection, checkfirst=True)
    if connection.execute(sa.select(sa.func.to_regproc("onepoint_audit_refuse"))).scalar_one() is None:
        connection.execute(sa.text(_REFUSE))
    for name, (table, when, each, refusal) in _APPEND_ONLY.items():
        found = connection.execute(sa.text("SELECT 1 FROM pg_trigger WHERE tgname = :name"
                                           " AND tgrelid = to_regclass(:table)"), {"name": name, "table": table})
        if found.first() is None:
            connection.execute(sa.text(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH {each}"
                                       f" EXECUTE FUNCTION onepoint_audit_refuse('{refusal}')"))


def read_anchor(connection: Connection) -> Anchor | None:
    if not _exists(connection, ANCHOR):  # the anchor's table dropped: verify reports the anchor missing
        return None
    row = connection.execute(sa.select(ANCHOR.c.seq, ANCHOR.c.mac, ANCHOR.c.anchor_mac)
                             .where(ANCHOR.c.id == 1)).first()
    return None if row is None else Anchor(int(row[0]), blob_of(row[1]), blob_of(row[2]))


def read_key_id(connection: Connection) -> str | None:
    if not _exists(connection, KEY):
        return None
    found = connection.execute(sa.select(KEY.c.key_id).where(KEY.c.id == 1)).scalar_one_or_none()
    return None if found is None else str(found)


def _columns() -> list[sa.Column[Any]]:
    return [LOG.c.seq, LOG.c.at, *(LOG.c[name] for name in FIELDS), LOG.c.prev_mac, LOG.c.mac]


def read_records(connection: Connection, start: int, limit: int | None, *, newest_first: bool = False) -> list[
        AuditRecord]:
    """Up to ``limit`` rows (``PAGE`` at most) from sequence number ``start`` up (or down, ``newest_first``)."""
    if not has_rows_table(connection):  # dropped: no rows (verify reports them removed)
        return []
    order = LOG.c.seq.desc() if newest_first else LOG.c.seq
    where = LOG.c.seq <= start if newest_first else LOG.c.seq >= start
    size = PAGE if limit is None else min(PAGE, limit)
    rows = connection.execute(sa.select(*_columns()).where(where).order_by(order).limit(size)).all()
    return [record_of(tuple(row)) for row in rows]
