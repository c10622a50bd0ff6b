"""verify() names the first altered, removed or reordered row, a cut tail, and a log rolled back past a head."""

from __future__ import annotations

import sqlite3

import pytest

from hub.audit import AuditIntegrityError, AuditLog, ChainKey, Head, Problem, SQLiteAuditStorage
from tests.unit.audit.kit import TEST_KEY, entry, filled_log, swap, tamper

pytestmark = pytest.mark.unit


@pytest.fixture
def path(tmp_path):
    return tmp_path / "audit.db"


def verdict(log: AuditLog):
    report = log.verify()
    assert report.finding is not None, "the tampering went unnoticed"
    return report.finding.problem, report.finding.seq


def test_an_untouched_log_is_intact(path):
    log = filled_log(path, 50)
    report = log.verify()
    assert report.intact
    assert report.summary() == "OK: 50 rows, chain intact"


def test_an_empty_log_is_intact(path):
    assert AuditLog(SQLiteAuditStorage(path), TEST_KEY).verify().summary() == "OK: 0 rows, chain intact"


@pytest.mark.parametrize(
    "change",
    ["rows_returned = 0", "operator = 'someone.else'", "msisdn_masked = '*******9999'", "outcome = 'denied'",
     "period_to = '2026-12-31T00:00:00.000000+00:00'", "at = '2026-01-01T00:00:00.000000+00:00'",
     "message_id = 'msg-999999'", "mac = randomblob(32)", "prev_mac = randomblob(32)"],
)
def test_a_changed_field_is_named_as_altered_at_its_row(path, change):
    log = filled_log(path, 20)
    tamper(path, f"UPDATE audit_log SET {change} WHERE seq = 12")  # noqa: S608
    assert verdict(log) == (Problem.ALTERED, 12)
    assert log.verify().summary().startswith("ALTERED at row 12: ")


def test_only_the_first_bad_row_is_named(path):
    log = filled_log(path, 20)
    tamper(path, "UPDATE audit_log SET role = 'x' WHERE seq IN (7, 15)")
    assert verdict(log) == (Problem.ALTERED, 7)


@pytest.mark.parametrize(("deleted", "first"), [("seq = 8", 8), ("seq = 1", 1), ("seq BETWEEN 5 AND 9", 5)])
def test_a_deleted_row_is_named_as_removed(path, deleted, first):
    log = filled_log(path, 20)
    tamper(path, f"DELETE FROM audit_log WHERE {deleted}")  # noqa: S608
    assert verdict(log) == (Problem.REMOVED, first)


def test_a_deleted_row_hidden_by_renumbering_the_rest_is_still_removed(path):
    log = filled_log(path, 20)
    tamper(path, "DELETE FROM audit_log WHERE seq = 8", "UPDATE audit_log SET seq = seq - 1 WHERE seq > 8")
    problem, seq = verdict(log)
    assert (problem, seq) == (Problem.REMOVED, 8)
    assert "renumbered" in log.verify().summary()


@pytest.mark.parametrize(("first", "second"), [(5, 6), (3, 17), (1, 2)])
def test_two_swapped_rows_are_named_as_reordered(path, first, second):
    log = filled_log(path, 20)
    tamper(path, *swap(first, second))
    assert verdict(log) == (Problem.REORDERED, first)
    assert f"now at {second}" in log.verify().summary()


@pytest.mark.parametrize("cut", [1, 3])
def test_rows_cut_from_the_end_are_named_as_truncated(path, cut):
    log = filled_log(path, 20)
    tamper(path, f"DELETE FROM audit_log WHERE seq > {20 - cut}")  # noqa: S608
    assert verdict(log) == (Problem.TRUNCATED, 20 - cut + 1)
    assert "anchor names row 20" in log.verify().summary()


def test_every_row_deleted_is_truncated_from_row_one(path):
    log = filled_log(path, 5)
    tamper(path, "DELETE FROM audit_log")
    assert verdict(log) == (Problem.TRUNCATED, 1)


def test_a_removed_or_forged_anchor_is_reported(path):
    log = filled_log(path, 5)
    tamper(path, "UPDATE audit_anchor SET anchor_mac = randomblob(32)")
    assert verdict(log) == (Problem.ANCHOR, 6)
    tamper(path, "DELETE FROM audit_anchor")
    assert verdict(log) == (Problem.ANCHOR, 6)


def test_tail_cut_together_with_the_anchor_put_back_is_caught_by_a_recorded_head(path):
    log = filled_log(path, 10)
    old_anchor = sqlite3.connect(path).execute("SELECT seq, mac, anchor_mac FROM audit_anchor").fetchone()
    head_at_10 = log.head()
    for n in range(5):
        log.append(entry(n))
    head_at_15 = log.head()  # recorded elsewhere (onepoint audit head), out of the attacker's reach
    tamper(path, "DELETE FROM audit_log WHERE seq > 10")
    db = sqlite3.connect(path)
    db.execute("UPDATE audit_anchor SET seq = ?, mac = ?, anchor_mac = ?", old_anchor)
    db.commit()
    db.close()
    assert log.verify().intact  # the limit of the anchor: the older state is self-consistent
    report = log.verify(expected_head=head_at_15)
    assert report.finding is not None
    assert (report.finding.problem, report.finding.seq) == (Problem.TRUNCATED, 11)
    assert log.verify(expected_head=head_at_10).intact


def test_a_recorded_head_with_another_mac_is_altered(path):
    log = filled_log(path, 10)
    report = log.verify(expected_head=Head(4, b"\x01" * 32))
    assert report.finding is not None
    assert (report.finding.problem, report.finding.seq) == (Problem.ALTERED, 4)


def test_another_key_is_named_as_such_not_as_every_row_altered(path):
    filled_log(path, 3)
    other = AuditLog(SQLiteAuditStorage(path), ChainKey(b"another-key-of-at-least-32-bytes!!", "other"))
    assert verdict(other) == (Problem.KEY, 0)  # the log records its key's id (test_who_and_which_key)


def test_no_row_is_appended_after_a_cut_tail(path):
    log = filled_log(path, 6)
    tamper(path, "DELETE FROM audit_log WHERE seq > 4")
    with pytest.raises(AuditIntegrityError, match="ends at row 4 but its anchor names row 6"):
        log.append(entry())
    assert log.count() == 4  # nothing was written: the caller sends nothing


def test_the_rows_refuse_update_and_delete_without_tampering(path):
    filled_log(path, 2)
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_log SET rows_returned = 9 WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_log WHERE seq = 2")
    db.close()


def test_verify_reports_progress_while_it_streams(path):
    log = filled_log(path, 2500)
    seen: list[int] = []
    assert log.verify(progress=seen.append).intact
    assert seen == [1000, 2000, 2500]


def test_a_dropped_anchor_table_is_a_missing_anchor_and_stops_appends(path):
    log = filled_log(path, 3)
    tamper(path, "DROP TABLE audit_anchor")
    assert verdict(log) == (Problem.ANCHOR, 4)
    with pytest.raises(AuditIntegrityError, match="no anchor"):
        log.append(entry())


def test_a_file_that_is_not_an_audit_log_is_not_opened_for_checking(tmp_path):
    (tmp_path / "other.db").write_bytes(b"not a database at all" * 100)
    sqlite3.connect(tmp_path / "empty.db").execute("CREATE TABLE t (x)").connection.close()
    for name, message in (("other.db", "is not an audit log"), ("empty.db", "holds no audit_log table"),
                          ("absent.db", "no audit log at")):
        with pytest.raises(FileNotFoundError, match=message):
            SQLiteAuditStorage(tmp_path / name, create=False)
    assert not (tmp_path / "absent.db").exists()


def test_a_row_copied_to_another_place_is_reordered(path):
    log = filled_log(path, 10)
    tamper(path, "INSERT INTO audit_log SELECT 11, at, operator, role, client_address, msisdn_masked, period_from,"
                 " period_to, purpose, rows_returned, outcome, reason, message_id, prev_mac, mac, caller, peer"
                 " FROM audit_log WHERE seq = 7")
    assert verdict(log) == (Problem.REORDERED, 11)
    assert "written as 7" in log.verify().summary()


def test_a_row_moved_beyond_the_window_is_still_named_at_its_place(path):
    log = filled_log(path, 80)
    tamper(path, *swap(2, 79))
    assert verdict(log) == (Problem.ALTERED, 2)


@pytest.mark.parametrize(("moved", "to"), [(5, 80), (1, 80), (10, 76)])
def test_a_row_moved_far_ahead_with_the_rest_renumbered_is_reordered_not_removed(path, moved, to):
    """The row is still in the log, beyond the window: it was moved (REORDERED, naming where), not removed."""
    log = filled_log(path, 80)
    tamper(path, f"UPDATE audit_log SET seq = -1 WHERE seq = {moved:d}",  # noqa: S608 - test SQL, no input
           f"UPDATE audit_log SET seq = seq - 1 WHERE seq > {moved:d} AND seq <= {to:d}",  # noqa: S608
           f"UPDATE audit_log SET seq = {to:d} WHERE seq = -1")  # noqa: S608
    assert verdict(log) == (Problem.REORDERED, moved)
    summary = log.verify().summary()
    assert f"the row written as {moved} is now at {to}" in summary and "gone" not in summary


def test_rows_removed_and_the_rest_renumbered_are_still_removed_in_a_long_log(path):
    log = filled_log(path, 80)
    tamper(path, "DELETE FROM audit_log WHERE seq = 5", "UPDATE audit_log SET seq = seq - 1 WHERE seq > 5")
    assert verdict(log) == (Problem.REMOVED, 5)


@pytest.mark.parametrize("seq", [0, -1])
def test_a_row_forged_below_the_first_sequence_number_is_found(path, seq):
    """Rows are numbered from 1; a row put in at 0 or below is checked like any other (it was skipped before)."""
    log = filled_log(path, 5)
    tamper(path, f"INSERT INTO audit_log SELECT {seq}, at, 'FORGED-ceo', role, client_address, msisdn_masked,"  # noqa: S608
                 " period_from, period_to, purpose, 500, outcome, reason, message_id, prev_mac, mac, caller, peer"
                 " FROM audit_log WHERE seq = 3")
    assert verdict(log) == (Problem.ALTERED, seq)
