"""A log wholly re-sealed under another key: with a head recorded earlier it is tampering, not a wrong key.

An insider who holds no audit key can still rewrite every row, MAC and the anchor under a key of his own and record
that key's id. The auditor's key then "does not fit", which alone reads like a configuration mistake; a head recorded
earlier (``onepoint audit verify --head``) settles it: the row it names no longer carries the recorded MAC.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hub.audit import AuditLog, ChainKey, Head, Problem, SQLiteAuditStorage
from hub.audit.chain import GENESIS
from hub.audit.sqlite_schema import record_of, row_select
from tests.unit.audit.kit import TEST_KEY, filled_log, tamper

pytestmark = pytest.mark.unit

INSIDER = ChainKey(b"the insider's own key, also 40 bytes long", "insider")


def reseal(path: Path, key: ChainKey, *, altered_row: int) -> None:
    """Rewrite every row (one with another value), MAC and the anchor under ``key``, and record its id."""
    tamper(path, "DROP TRIGGER audit_key_no_update")
    db = sqlite3.connect(path)
    try:
        rows = [record_of(r) for r in db.execute(row_select(db) + " ORDER BY seq")]
        prev = GENESIS
        for r in rows:
            values = r.values if r.seq != altered_row else (*r.values[:7], 0, *r.values[8:])
            mac = key.seal(prev, r.seq, r.at, values)
            db.execute("UPDATE audit_log SET rows_returned = ?, prev_mac = ?, mac = ? WHERE seq = ?",
                       (values[7], prev, mac, r.seq))
            prev = mac
        anchor = key.anchor(rows[-1].seq, prev)
        db.execute("UPDATE audit_anchor SET seq = ?, mac = ?, anchor_mac = ?", (anchor.seq, anchor.mac,
                                                                                  anchor.anchor_mac))
        db.execute("UPDATE audit_key SET key_id = ?", (key.key_id,))
        db.commit()
    finally:
        db.close()


@pytest.fixture
def resealed(tmp_path) -> tuple[AuditLog, Head, Head]:
    path = tmp_path / "audit.db"
    log = filled_log(path, 10)
    at_4, at_10 = _head_at(log, 4), log.head()
    log.close()
    reseal(path, INSIDER, altered_row=4)
    return AuditLog(SQLiteAuditStorage(path, create=False), TEST_KEY), at_4, at_10


def _head_at(log: AuditLog, seq: int) -> Head:
    record = next(r for r in log.last(100) if r.seq == seq)
    return Head(record.seq, record.mac)


def test_a_recorded_head_the_log_no_longer_carries_is_an_alteration_at_its_row(resealed):
    log, _, at_10 = resealed
    report = log.verify(expected_head=at_10)
    assert report.finding is not None and not report.other_key
    assert (report.finding.problem, report.finding.seq) == (Problem.ALTERED, 10)
    assert "recorded with --head" in report.summary() and "re-sealed" in report.summary()
    assert INSIDER.key_id in report.summary()


def test_any_recorded_head_of_a_resealed_log_shows_it(resealed):
    log, at_4, _ = resealed
    report = log.verify(expected_head=at_4)
    assert report.finding is not None and (report.finding.problem, report.finding.seq) == (Problem.ALTERED, 4)


def test_a_recorded_head_beyond_the_resealed_log_is_a_removal(resealed):
    log, _, at_10 = resealed
    report = log.verify(expected_head=Head(12, at_10.mac))
    assert report.finding is not None and not report.other_key
    assert (report.finding.problem, report.finding.seq) == (Problem.REMOVED, 12)


def test_without_a_head_another_key_says_the_log_may_have_been_resealed(resealed):
    log, _, _ = resealed
    report = log.verify()
    assert report.other_key
    assert "check [audit] key_file / key_env" in report.summary()
    assert "re-sealed by someone holding another key" in report.summary() and "--head" in report.summary()


def test_a_head_the_log_still_carries_leaves_it_a_question_of_the_key(tmp_path):
    path = tmp_path / "audit.db"
    log = filled_log(path, 5)
    head = log.head()
    log.close()
    other = AuditLog(SQLiteAuditStorage(path, create=False), INSIDER)  # the auditor holds a wrong key
    report = other.verify(expected_head=head)
    assert report.other_key and report.finding is not None and report.finding.problem is Problem.KEY
    assert "still carries the MAC recorded with --head" in report.summary()
