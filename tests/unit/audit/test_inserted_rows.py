"""verify() calls a row that was put in (a forgery, a copy) an insertion, never a removal of rows that never were.

Nothing is removed in these logs: rows 1..N and the anchor are intact, a row was added. Each row's own MAC is checked
before the gap in the numbers, a row beyond the row a valid anchor names is one put in, rows are numbered from 1,
and two rows are "swapped" only when each holds at the other's place.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hub.audit import AuditLog, Problem
from tests.unit.audit.kit import entry, filled_log, tamper

pytestmark = pytest.mark.unit

COLUMNS = ("at, operator, role, client_address, msisdn_masked, period_from, period_to, purpose, rows_returned,"
           " outcome, reason, message_id, prev_mac, mac, caller, peer")


@pytest.fixture
def path(tmp_path):
    return tmp_path / "audit.db"


def finding(log: AuditLog) -> tuple[Problem, int, str]:
    report = log.verify()
    assert report.finding is not None, "the insertion went unnoticed"
    assert not report.other_key
    return report.finding.problem, report.finding.seq, report.summary()



def forge_row(path: Path, seq: int, *, like: int) -> None:
    """Insert row ``seq``, a copy of row ``like`` with another operator and a random MAC (a forger without the key)."""
    tamper(path, f"INSERT INTO audit_log (seq, {COLUMNS}) SELECT {seq}, at, 'forged', role, client_address,"  # noqa: S608
                 " msisdn_masked, period_from, period_to, purpose, rows_returned, outcome, reason, message_id, mac,"
                 f" randomblob(32), caller, peer FROM audit_log WHERE seq = {like}")

def test_a_copy_of_row_1_put_in_as_row_0_is_an_insertion(path):
    log = filled_log(path, 10)
    tamper(path, f"INSERT INTO audit_log (seq, {COLUMNS}) SELECT 0, {COLUMNS} FROM audit_log WHERE seq = 1")  # noqa: S608
    problem, seq, summary = finding(log)
    assert (problem, seq) == (Problem.ALTERED, 0)
    assert "inserted" in summary and "copy of row 1" in summary
    assert "REMOVED" not in summary and "renumbered" not in summary


def test_a_forged_row_beyond_the_anchor_is_an_insertion_not_missing_rows(path):
    log = filled_log(path, 10)
    forge_row(path, 15, like=10)
    problem, seq, summary = finding(log)
    assert (problem, seq) == (Problem.ALTERED, 15)
    assert "inserted" in summary and "the anchor names row 10" in summary
    assert "missing" not in summary and "REMOVED" not in summary


def test_a_forged_row_right_after_the_anchor_is_an_insertion(path):
    log = filled_log(path, 10)
    forge_row(path, 11, like=10)
    problem, seq, summary = finding(log)
    assert (problem, seq) == (Problem.ALTERED, 11)
    assert "inserted" in summary and "the anchor names row 10" in summary


def test_a_copy_put_in_with_the_rows_after_it_shifted_is_not_a_swap(path):
    log = filled_log(path, 10)
    tamper(path, "UPDATE audit_log SET seq = -seq WHERE seq > 5", "UPDATE audit_log SET seq = 1 - seq WHERE seq < 0",
           f"INSERT INTO audit_log (seq, {COLUMNS}) SELECT 6, {COLUMNS} FROM audit_log WHERE seq = 5")  # noqa: S608
    problem, seq, summary = finding(log)
    assert (problem, seq) == (Problem.REORDERED, 6)
    assert "copy of row 5" in summary and "inserted" in summary
    assert "swapped" not in summary and "REMOVED" not in summary


def test_a_copy_from_later_in_the_log_is_not_a_removal(path):
    log = filled_log(path, 10)
    tamper(path, "UPDATE audit_log SET seq = -seq WHERE seq > 3", "UPDATE audit_log SET seq = 1 - seq WHERE seq < 0",
           f"INSERT INTO audit_log (seq, {COLUMNS}) SELECT 4, {COLUMNS} FROM audit_log WHERE seq = 10")  # noqa: S608
    problem, seq, summary = finding(log)
    assert (problem, seq) == (Problem.REORDERED, 4)
    assert "copy of row 9" in summary  # the row written as 9, moved to 10 by the shift, is still there: row 4 is a copy
    assert "REMOVED" not in summary and "renumbered" not in summary


def test_a_gap_before_a_row_that_fails_names_both(path):
    log = filled_log(path, 20)
    tamper(path, "DELETE FROM audit_log WHERE seq = 12", "UPDATE audit_log SET rows_returned = 99 WHERE seq = 13")
    problem, seq, summary = finding(log)
    assert (problem, seq) == (Problem.ALTERED, 13)
    assert "row(s) 12 before it are missing" in summary


def test_rows_removed_and_the_rest_renumbered_are_still_removed_from_the_first(path):
    log = filled_log(path, 20)
    tamper(path, "DELETE FROM audit_log WHERE seq IN (8, 9)", "UPDATE audit_log SET seq = seq - 1 WHERE seq > 9")
    problem, seq, summary = finding(log)
    assert (problem, seq) == (Problem.REMOVED, 8)
    assert "renumbered" in summary


def test_a_row_that_holds_beyond_the_anchor_after_a_gap_is_not_called_missing_rows_alone(path):
    log = filled_log(path, 10)
    older = sqlite3.connect(path).execute("SELECT seq, mac, anchor_mac FROM audit_anchor").fetchone()
    for n in range(5):
        log.append(entry(n))
    tamper(path, "DELETE FROM audit_log WHERE seq BETWEEN 11 AND 14")
    db = sqlite3.connect(path)
    db.execute("UPDATE audit_anchor SET seq = ?, mac = ?, anchor_mac = ?", older)
    db.commit()
    db.close()
    problem, seq, summary = finding(log)
    assert (problem, seq) == (Problem.ALTERED, 15)
    assert "beyond row 10" in summary and "inserted" in summary and "older anchor put back" in summary


def test_three_rows_rotated_are_moved_not_swapped(path):
    log = filled_log(path, 10)
    tamper(path, "UPDATE audit_log SET seq = -5 WHERE seq = 5", "UPDATE audit_log SET seq = 5 WHERE seq = 6",
           "UPDATE audit_log SET seq = 6 WHERE seq = 7", "UPDATE audit_log SET seq = 7 WHERE seq = -5")
    problem, seq, summary = finding(log)
    assert (problem, seq) == (Problem.REORDERED, 5)
    assert "the row written as 5 is now at 7 (rows moved)" in summary
