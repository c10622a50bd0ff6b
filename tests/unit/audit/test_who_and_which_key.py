"""Format 2 rows (the authenticated caller and its address, MAC'd), logs of format 1 still verifying, the key id
beside the anchor (another key is not tampering), and periods no datetime can hold never failing a row."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hub.audit import (
    UNKNOWN,
    AuditEntry,
    AuditKeyError,
    AuditKeyMismatch,
    AuditLog,
    ChainKey,
    Problem,
    SQLiteAuditStorage,
)
from hub.audit.chain import GENESIS
from hub.audit.entry import canonical, utc_text
from hub.config.settings import AuditSettings
from tests.unit.audit.kit import MSISDN, TEST_KEY, entry, filled_log, old_log, tamper

pytestmark = pytest.mark.unit

OTHER_KEY = ChainKey(b"another-key-of-at-least-32-bytes!!", "other")


@pytest.fixture
def path(tmp_path):
    return tmp_path / "audit.db"


def asked(n: int = 0, *, caller: str | None = "cs-frontend", peer: str | None = "192.0.2.7") -> AuditEntry:
    made = entry(n)
    return AuditEntry.for_query(operator=made.operator, role=made.role, client_address=made.client_address,
                                msisdn=MSISDN, period_from=None, period_to=None, purpose=made.purpose,
                                rows_returned=n, message_id=made.message_id, caller=caller, peer=peer)


def test_a_row_keeps_who_really_asked_beside_who_the_query_names(path):
    log = AuditLog(SQLiteAuditStorage(path), TEST_KEY)
    log.append(asked(1))
    log.append(asked(2, caller=None, peer=None))  # a message of an older hub: not known, never absent
    rows = [r.as_dict() for r in log.last(2)]
    assert [(r["operator"], r["client_address"], r["caller"], r["peer"]) for r in rows] == [
        ("zhang.wei", "10.1.2.3", "cs-frontend", "192.0.2.7"), ("zhang.wei", "10.1.2.3", UNKNOWN, UNKNOWN)]
    assert log.verify().intact


@pytest.mark.parametrize("change", ["caller = 'cs-other'", "peer = '10.9.9.9'", "caller = NULL, peer = NULL",
                                    "peer = NULL"])
def test_the_caller_and_peer_are_covered_by_the_mac(path, change):
    log = AuditLog(SQLiteAuditStorage(path), TEST_KEY)
    for n in range(5):
        log.append(asked(n))
    tamper(path, f"UPDATE audit_log SET {change} WHERE seq = 3")  # noqa: S608
    report = log.verify()
    assert report.finding is not None
    assert (report.finding.problem, report.finding.seq) == (Problem.ALTERED, 3)


def test_format_1_rows_are_encoded_as_the_code_that_wrote_them_did():
    """The MAC of a row of format 1, as the hub computed it before format 2 (git 3964327, hub/audit)."""
    values = ("zhang.wei", "network-backoffice", "10.1.2.3", "*******8000", "2026-11-01T00:00:00.000000+00:00",
              None, "WO20261201ABCD1234: x", 3, "allowed", "", "msg-000001")
    at = "2026-12-01T09:30:00.000000+00:00"
    key = ChainKey(b"audit-test-key-0123456789abcdef-0123456789", "t")
    assert canonical(1, at, values).startswith(b'["onepoint-audit/1",1,')
    mac = key.seal(GENESIS, 1, at, values)
    assert mac.hex() == "081fc3e8e017b41a5375cd40b44e41e1dc0fa4f4215ca16d798120537d319720"
    assert key.anchor(1, mac).anchor_mac.hex() == "bdda0b39a07d05c33fd9ac900bbfb6d27a124fe08cbbb6621341bf44f68a1fa0"


def test_an_older_log_verifies_takes_new_rows_and_records_its_key_id(path):
    old_log(path, 4)
    reader = AuditLog(SQLiteAuditStorage(path, create=False), TEST_KEY)  # verify: the log is not changed
    assert reader.verify().summary() == "OK: 4 rows, chain intact"
    assert reader.storage.key_id() is None and reader.last(1)[0].as_dict()["caller"] is None
    reader.close()
    assert "caller" not in {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(audit_log)")}
    writer = AuditLog(SQLiteAuditStorage(path), TEST_KEY)  # the hub opens it: caller and peer columns added
    assert writer.verify().intact
    writer.append(asked(5))
    assert writer.storage.key_id() == TEST_KEY.key_id  # its anchor held under this key: now recorded
    assert writer.verify().summary() == "OK: 5 rows, chain intact"
    assert [r.as_dict()["caller"] for r in writer.last(5)] == [None, None, None, None, "cs-frontend"]
    writer.close()


def test_an_older_log_checked_with_another_key_says_it_may_be_the_key(path):
    old_log(path, 3)
    report = AuditLog(SQLiteAuditStorage(path, create=False), OTHER_KEY).verify()
    assert report.finding is not None and (report.finding.problem, report.finding.seq) == (Problem.ALTERED, 1)
    assert "or the log was sealed with another key" in report.summary() and not report.other_key


def test_another_key_is_reported_as_such_not_as_tampering(path):
    filled_log(path, 3).close()
    report = AuditLog(SQLiteAuditStorage(path, create=False), OTHER_KEY).verify()
    assert report.other_key and report.finding is not None and report.finding.problem is Problem.KEY
    assert report.summary() == (f"this log was sealed with another key (key id {TEST_KEY.key_id}, given key id"
                                f" {OTHER_KEY.key_id}): check [audit] key_file / key_env (an unset"
                                " $ONEPOINT_AUDIT_KEY means the built-in development key); or the log was"
                                " replaced and re-sealed by someone holding another key: verify with --head and"
                                " a head recorded earlier (`onepoint audit head`) to tell the two apart")
    assert "another-key" not in report.summary()  # ids only, never a key


def test_a_new_log_records_its_key_id_at_once_and_refuses_another_key(tmp_path, monkeypatch):
    settings = AuditSettings(path=tmp_path / "audit.db", key_env="TEST_AUDIT_KEY")
    monkeypatch.setenv("TEST_AUDIT_KEY", "the-first-key-of-at-least-32-bytes!!")
    with AuditLog.open(settings) as log:
        first = log.key.key_id
        assert log.storage.key_id() == first and log.count() == 0
    monkeypatch.setenv("TEST_AUDIT_KEY", "the-second-key-of-at-least-32-bytes!")
    with pytest.raises(AuditKeyError, match=f"sealed with another key \\(key id {first}, given key id "):
        AuditLog.open(settings)
    with AuditLog.open(settings, create=False) as reader:  # to verify: opened, and verify says which key
        assert reader.verify().other_key


def test_no_row_is_sealed_with_a_second_key(path):
    filled_log(path, 2).close()
    other = AuditLog(SQLiteAuditStorage(path), OTHER_KEY)
    with pytest.raises(AuditKeyMismatch, match="sealed with another key"):
        other.append(entry(9))
    assert other.count() == 2


def test_a_changed_key_id_with_the_right_key_is_tampering(path):
    log = filled_log(path, 4)
    tamper(path, "DROP TRIGGER audit_key_no_update", "UPDATE audit_key SET key_id = '0123456789abcdef'")
    report = log.verify()
    assert report.finding is not None and not report.other_key
    assert (report.finding.problem, report.finding.seq) == (Problem.ANCHOR, 5)
    assert "recorded key id was changed" in report.summary()


@pytest.mark.parametrize("change", [
    "purpose = CAST('WO20261201ABCD1234' AS BLOB)", "operator = x'ff'", "operator = CAST(x'ff' AS TEXT)",
    "rows_returned = 'three'", "rows_returned = 3.5", "at = CAST(at AS BLOB)", "period_from = 12", "caller = x'00'",
    "period_to = x'00'"])
def test_a_value_of_a_wrong_type_is_altered_not_a_crash(path, change):
    log = filled_log(path, 6)
    tamper(path, f"UPDATE audit_log SET {change} WHERE seq = 4")  # noqa: S608
    report = log.verify()
    assert report.finding is not None
    assert (report.finding.problem, report.finding.seq) == (Problem.ALTERED, 4)
    assert len(log.last(10)) == 6  # the rows still read


@pytest.mark.parametrize("change", ["seq = -5", "seq = 'x'", "mac = 7", "anchor_mac = 'text'"])
def test_an_anchor_of_a_wrong_type_is_reported_not_a_crash(path, change):
    log = filled_log(path, 3)
    tamper(path, f"UPDATE audit_anchor SET {change}")  # noqa: S608
    report = log.verify()
    assert report.finding is not None and report.finding.problem in (Problem.ANCHOR, Problem.TRUNCATED)


@pytest.mark.parametrize(("moment", "text"), [
    (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=8))), "0001-01-01T00:00:00.000000+08:00"),
    (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=8))), "9999-12-31T23:59:59.000000-08:00"),
    (datetime(2026, 11, 23, tzinfo=timezone(timedelta(hours=8))), "2026-11-22T16:00:00.000000+00:00")])
def test_a_time_whose_utc_no_datetime_holds_keeps_its_offset(moment, text):
    assert utc_text(moment) == text


def test_a_period_written_as_no_datetime_holds_is_kept_as_written(path):
    made = AuditEntry.for_query(operator="op", role="r", client_address="10.0.0.1", msisdn=MSISDN,
                                period_from="-0001-01-01T00:00:00Z", period_to=datetime(2026, 1, 1, tzinfo=UTC),
                                purpose="WO20261201ABCD1234")
    assert (made.period_from, made.period_to) == ("-0001-01-01T00:00:00Z", "2026-01-01T00:00:00.000000+00:00")
    log = AuditLog(SQLiteAuditStorage(path), TEST_KEY)
    log.append(made)
    assert log.verify().intact


@pytest.mark.parametrize("written", [
    "135-0110-5566", "135 0110 5566", "+86 135 0110 5566", "0086 135.0110.5566", "86-13501105566",
    "\uff11\uff13\uff15\uff10\uff11\uff11\uff10\uff15\uff15\uff16\uff16", "135\u30000110\u30005566",
    "\uff11\uff13\uff15\uff0d\uff10\uff11\uff11\uff10\uff0d\uff15\uff15\uff16\uff16", "13501105566"])
def test_every_spelling_of_a_number_is_masked_in_every_free_text_field(written):
    text = f"caller {written} says codes missing"
    made = AuditEntry.for_query(operator=f"op-{written}", role="r", client_address="10.212.34.17", msisdn=MSISDN,
                                period_from=None, period_to=None, purpose=text, outcome="failed", reason=text,
                                message_id=f"cs-{written}-0001", caller=f"c {written}", peer=f"p {written}")
    for name in ("operator", "purpose", "reason", "message_id", "caller", "peer"):
        value = str(getattr(made, name))
        digits = "".join(ch for ch in value if ch.isdigit())
        assert "0110" not in digits and "5566" in digits, (name, value)  # only the last 4 digits are left
    assert made.purpose.startswith("caller *") and made.purpose.endswith("5566 says codes missing")
    assert made.message_id.startswith("cs-*") and made.message_id.endswith("5566-0001")
    assert made.client_address == "10.212.34.17"  # an address is no number
