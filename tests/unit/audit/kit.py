"""Helpers of the audit tests: a log on a temporary file with a test key, entries, and a tamperer with sqlite3."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.audit import AuditEntry, AuditLog, ChainKey, Outcome, SQLiteAuditStorage

TEST_KEY = ChainKey(b"audit-test-key-0123456789abcdef-0123456789", "tests")
MSISDN = "13800138000"


def entry(n: int = 0, *, outcome: Outcome = Outcome.ALLOWED, operator: str = "zhang.wei") -> AuditEntry:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return AuditEntry.for_query(
        operator=operator, role="network-backoffice", client_address="10.1.2.3", msisdn=MSISDN,
        period_from=start, period_to=start + timedelta(days=30), purpose="WO20261201ABCD1234",
        rows_returned=n if outcome is Outcome.ALLOWED else 0, outcome=outcome,
        reason="" if outcome is Outcome.ALLOWED else "role front-desk may not query SMS logs",
        message_id=f"msg-{n:06d}")


def filled_log(path: Path, rows: int, key: ChainKey = TEST_KEY) -> AuditLog:
    log = AuditLog(SQLiteAuditStorage(path), key)
    for n in range(rows):
        log.append(entry(n))
    return log


def tamper(path: Path, *statements: str) -> None:
    """What an attacker with the file does: drop the append-only triggers, change rows, commit."""
    db = sqlite3.connect(path)
    try:
        db.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        db.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for statement in statements:
            db.execute(statement)
        db.commit()
    finally:
        db.close()


def swap(first: int, second: int) -> list[str]:
    """The statements that exchange the sequence numbers of two rows (their places in the log)."""
    return [f"UPDATE audit_log SET seq = -1 WHERE seq = {first:d}",  # noqa: S608 - test SQL, no input
            f"UPDATE audit_log SET seq = {first:d} WHERE seq = {second:d}",  # noqa: S608
            f"UPDATE audit_log SET seq = {second:d} WHERE seq = -1"]  # noqa: S608


# The tables of a log written before format 2 and key ids (hub/audit/sqlite.py until 2026-12): no caller, no peer,
# no audit_key table. Rows are sealed as that code sealed them (11 fields: "onepoint-audit/1").
OLD_SCHEMA = """
CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, operator TEXT NOT NULL, role TEXT NOT NULL,
    client_address TEXT NOT NULL, msisdn_masked TEXT NOT NULL, period_from TEXT, period_to TEXT,
    purpose TEXT NOT NULL, rows_returned INTEGER NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,
    message_id TEXT NOT NULL, prev_mac BLOB NOT NULL, mac BLOB NOT NULL);
CREATE TABLE audit_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, mac BLOB NOT NULL,
    anchor_mac BLOB NOT NULL);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def old_log(path: Path, rows: int, key: ChainKey = TEST_KEY) -> None:
    """A log as the hub wrote it before format 2 and key ids."""
    from hub.audit.chain import GENESIS

    db = sqlite3.connect(path)
    try:
        db.executescript(OLD_SCHEMA)
        prev = GENESIS
        for n in range(1, rows + 1):
            values = entry(n).values()[:11]
            at = f"2026-11-30T08:00:{n:02d}.000000+00:00"
            mac = key.seal(prev, n, at, values)
            db.execute(f"INSERT INTO audit_log VALUES ({', '.join('?' * 15)})", (n, at, *values, prev, mac))  # noqa: S608
            anchor = key.anchor(n, mac)
            db.execute("INSERT OR REPLACE INTO audit_anchor VALUES (1, ?, ?, ?)", (n, mac, anchor.anchor_mac))
            prev = mac
        db.commit()
    finally:
        db.close()
