"""The bulletin board's tables: created on a new SQLite file and upgraded in place on a file an earlier version
made; created when missing in a PostgreSQL database (``[bulletin] database``) several hubs share (``open_tables``).

Layout (``PRAGMA user_version`` 2):

* ``notices``: one row per notice id, its newest version (the fields as JSON), ``raised_at`` (never changes: the
  order agents page in) and ``updated_at``;
* ``notice_editions``: beside each notice, its *edition* (raised by one at every change applied: a new revision,
  a correction at the same revision, the clearance), the edition at which its current revision arrived, and the
  SentAt of the version applied. A table of its own rather than columns of ``notices``, so that the first table
  keeps the layout every earlier version wrote: a notice without an edition row (written by one) is at edition =
  its revision (``hub.bulletin.tables.edition_of``), which is what that version's reads count in;
* ``notice_areas``, ``notice_reads`` (the edition each agent read; indexed by notice for retention and the
  updates), ``applied_messages`` (indexed by time for retention).

A file made before editions (user_version 0, ``notice_reads.revision``) is upgraded in one write transaction when a
board first opens it: the read column renamed (a revision read is the edition read, as above), an edition row
written for every notice, the indexes added. Run the hub and the bulletin worker of one version on one file: an
earlier version's worker no longer keeps the editions.

On PostgreSQL the same tables (``hub.bulletin.tables``, which match this DDL) are created from SQLAlchemy's metadata
when missing, under a transaction advisory lock so that hubs starting together create them once; no earlier layout
was ever kept there.

Where the file is: ``[bulletin] path``, beside the settings file (its default too, since the table left out kept it
in each process's working folder): `warn_if_left_behind` says so when a file of a hub from before is found there.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.bulletin.tables import METADATA
from hub.config.bulletin import DEFAULT_FILE

__all__ = ["SCHEMA_VERSION", "NewerBulletinFile", "open_schema", "open_tables", "warn_if_left_behind"]

log = logging.getLogger("onepoint.bulletin")

SCHEMA_VERSION = 2

_CREATION_LOCK = 0x62756C6C65746E00  # "bulletn": the advisory lock serializing the tables' creation on PostgreSQL
_TABLES = (
    """CREATE TABLE IF NOT EXISTS notices (
        notice_id  TEXT PRIMARY KEY,
        revision   INTEGER NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('ACTIVE', 'CLEARED')),
        notice     TEXT NOT NULL,           -- the notice's fields (JSON)
        raised_at  REAL NOT NULL,
        updated_at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS notice_areas (
        notice_id TEXT NOT NULL, area_code TEXT NOT NULL, PRIMARY KEY (notice_id, area_code))""",
    """CREATE TABLE IF NOT EXISTS notice_reads (
        agent TEXT NOT NULL, notice_id TEXT NOT NULL, edition INTEGER NOT NULL, read_at REAL NOT NULL,
        PRIMARY KEY (agent, notice_id))""",
    """CREATE TABLE IF NOT EXISTS applied_messages (
        message_id TEXT PRIMARY KEY, notice_id TEXT NOT NULL, outcome TEXT NOT NULL, applied_at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS notice_editions (
        notice_id        TEXT PRIMARY KEY,
        edition          INTEGER NOT NULL,  -- raised by one at every change applied
        revision_edition INTEGER NOT NULL,  -- the edition at which the current revision arrived
        sent_at          TEXT)              -- the applied version's SentAt, as written""",
)
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS notice_reads_by_notice ON notice_reads (notice_id)",
    "CREATE INDEX IF NOT EXISTS notices_by_raise ON notices (raised_at DESC, notice_id)",
    "CREATE INDEX IF NOT EXISTS applied_messages_by_time ON applied_messages (applied_at)",
)


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")}


class NewerBulletinFile(sqlite3.DatabaseError):
    """The file was written by a newer release (a higher ``user_version``): this one neither reads nor writes it (an
    older release on a newer file failed every read and applied notices without their editions)."""

    def __init__(self, path: str, version: int) -> None:
        super().__init__(f"the bulletin file {path} has schema version {version}, newer than this release's "
                         f"{SCHEMA_VERSION}: a newer release of the hub wrote it; run that release on it, or give "
                         "this one another [bulletin] path")
        self.path, self.version = path, version


def _file_of(db: sqlite3.Connection) -> str:
    return next((str(row[2]) for row in db.execute("PRAGMA database_list") if row[1] == "main"), "?")


def open_schema(db: sqlite3.Connection) -> None:
    """Create the tables of a new file, or bring an earlier version's file to ``SCHEMA_VERSION`` (once: a file
    already there is only read; a newer release's file is refused, ``NewerBulletinFile``); in one write
    transaction, so a hub and a worker opening it together upgrade it once."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise NewerBulletinFile(_file_of(db), version)
    if version == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if int(db.execute("PRAGMA user_version").fetchone()[0]) < SCHEMA_VERSION:
            for statement in _TABLES:
                db.execute(statement)
            if "revision" in _columns(db, "notice_reads"):  # made before editions: a revision read is that edition
                db.execute("ALTER TABLE notice_reads RENAME COLUMN revision TO edition")
            db.execute("INSERT OR IGNORE INTO notice_editions (notice_id, edition, revision_edition, sent_at)"
                       " SELECT notice_id, revision, revision, NULL FROM notices")
            for statement in _INDEXES:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def open_tables(engine: Engine) -> None:
    """The board's tables in ``engine``'s database: a SQLite file as ``open_schema`` makes or upgrades it, the
    tables created when missing on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:  # the driver's connection, outside SQLAlchemy's transactions
            db = connection.connection.dbapi_connection
            assert isinstance(db, sqlite3.Connection)
            open_schema(db)
        return
    with engine.begin() as connection:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATION_LOCK})
        METADATA.create_all(connection, checkfirst=True)


def warn_if_left_behind(path: Path) -> None:
    """A bulletin file in the working folder while the settings name another that does not exist yet: the file of
    a hub from before the default followed the settings file, whose notices and read marks would seem lost."""
    older = Path(DEFAULT_FILE)
    if older.exists() and not path.exists() and older.resolve() != path.resolve():
        log.warning("a bulletin file is in the working folder but the settings name another, not there yet: move it "
                    "there (with its -wal and -shm files, the hub stopped) or set [bulletin] path to it",
                    extra={"found": str(older.resolve()), "settings_path": str(path.absolute())})
