"""The SQLite audit log's tables, their upgrade from older logs, and how rows are read back whatever was done to them.

Rows of format 1 (written before ``caller`` and ``peer`` were kept) have both columns NULL; a log created before
them gets the two columns on its next opening for writing (``upgrade``), and is read without them when it is only
checked (``row_select``), so ``onepoint audit verify`` never changes a log. The key id (``audit_key``) lives
beside the anchor; a log from before key ids has none until its next append.

Whatever a tamperer stored (a BLOB where text belongs, text that is not UTF-8, text in a number column) is read
as it is, never refused: verification then names the row as altered.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from hub.audit.chain import Anchor
from hub.audit.entry import FIELDS, FIELDS_V1, AuditRecord

__all__ = ["ROW_COLUMNS", "SCHEMA", "blob_of", "has_table", "read_anchor", "read_key_id", "record_of", "row_select",
           "text_of", "upgrade"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    seq            INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    operator       TEXT NOT NULL,
    role           TEXT NOT NULL,
    client_address TEXT NOT NULL,
    msisdn_masked  TEXT NOT NULL,
    period_from    TEXT,
    period_to      TEXT,
    purpose        TEXT NOT NULL,
    rows_returned  INTEGER NOT NULL,
    outcome        TEXT NOT NULL,
    reason         TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    prev_mac       BLOB NOT NULL,
    mac            BLOB NOT NULL,
    caller         TEXT,
    peer           TEXT
);
CREATE TABLE IF NOT EXISTS audit_anchor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL,
    mac        BLOB NOT NULL,
    anchor_mac BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_key (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    key_id TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_key_no_update BEFORE UPDATE ON audit_key
    BEGIN SELECT RAISE(ABORT, 'the key id of an audit log never changes'); END;
"""
# the columns of FIELDS, in its order (tests/unit/audit checks that they agree)
ROW_COLUMNS = "seq, at, " + ", ".join(FIELDS) + ", prev_mac, mac"
_V1_COLUMNS = "seq, at, " + ", ".join(FIELDS_V1) + ", NULL, NULL, prev_mac, mac"  # a log not upgraded (yet)
_FORGED_SEQ = -(2**63)  # an anchor's sequence number that is no number: its MAC cannot hold


def text_of(data: bytes) -> str:
    """SQLite text as Python reads it: bytes that are not UTF-8 kept (as surrogates) for verify to report."""
    return data.decode("utf-8", "surrogateescape")


def has_table(db: sqlite3.Connection, name: str) -> bool:
    """Whether table ``name`` is there (a tamperer may have dropped the rows' table and left the anchor)."""
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


def _has_caller(db: sqlite3.Connection) -> bool:
    return any(row[1] == "caller" for row in db.execute("PRAGMA table_info(audit_log)"))


def upgrade(db: sqlite3.Connection) -> None:
    """Give a log created before format 2 its ``caller`` and ``peer`` columns (NULL in the rows it has)."""
    if _has_caller(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if not _has_caller(db):  # another process may have upgraded it meanwhile
            db.execute("ALTER TABLE audit_log ADD COLUMN caller TEXT")
            db.execute("ALTER TABLE audit_log ADD COLUMN peer TEXT")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def row_select(db: sqlite3.Connection) -> str:
    """``SELECT <the row's columns> FROM audit_log`` for this log (one not upgraded yet: without caller/peer)."""
    return f"SELECT {ROW_COLUMNS if _has_caller(db) else _V1_COLUMNS} FROM audit_log"  # noqa: S608 - constants


def blob_of(value: Any) -> bytes:
    """A MAC column as bytes, whatever a tamperer put there (verification then reports the row)."""
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "surrogateescape")


def record_of(row: tuple[Any, ...]) -> AuditRecord:
    """A row as read; one whose caller and peer are both NULL is a row of format 1 (without them)."""
    values = tuple(row[2:-2])
    if values[-2:] == (None, None):
        values = values[:-2]
    return AuditRecord(int(row[0]), row[1], values, blob_of(row[-2]), blob_of(row[-1]))


def read_anchor(db: sqlite3.Connection) -> Anchor | None:
    try:
        row = db.execute("SELECT seq, mac, anchor_mac FROM audit_anchor WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # the anchor's table dropped: verify reports the anchor missing
        return None
    if row is None:
        return None
    seq = row[0] if type(row[0]) is int else _FORGED_SEQ
    return Anchor(seq, blob_of(row[1]), blob_of(row[2]))


def read_key_id(db: sqlite3.Connection) -> str | None:
    try:
        row = db.execute("SELECT key_id FROM audit_key WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # a log from before key ids, only read (not upgraded)
        return None
    return None if row is None else str(row[0])
