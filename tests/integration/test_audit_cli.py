"""``onepoint audit`` as a real process on a log written by the hub and then tampered with sqlite3."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from hub.audit import DEVELOPMENT_KEY, AuditLog, ChainKey
from hub.config import load_settings
from tests.unit.audit.kit import MSISDN, entry, old_log, tamper

pytestmark = pytest.mark.integration

KEY = "integration-audit-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    """A settings file whose log lives in data/ and whose key comes from the environment."""
    path = tmp_path / "hub.toml"
    path.write_text('[audit]\npath = "data/audit.db"\nkey_env = "TEST_AUDIT_KEY"\n')
    monkeypatch.setenv("TEST_AUDIT_KEY", KEY)
    with AuditLog.open(load_settings(path).audit) as log:
        for n in range(30):
            log.append(entry(n))
    return path


def onepoint(*args: str, key: str | None = KEY) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    if key is not None:
        env["TEST_AUDIT_KEY"] = key
    return subprocess.run([sys.executable, "-W", "ignore", "-m", "hub.cli.main", "audit", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)


def test_an_intact_log_verifies(config):
    result = onepoint("verify", "--config", str(config))
    assert (result.returncode, result.stdout) == (0, "OK: 30 rows, chain intact\n")


def test_an_altered_row_is_named_and_exits_1(config):
    tamper(config.parent / "data" / "audit.db", "UPDATE audit_log SET rows_returned = 0 WHERE seq = 17")
    result = onepoint("verify", "--config", str(config))
    assert result.returncode == 1
    assert result.stdout.startswith("ALTERED at row 17: ")


def test_a_removed_and_a_swapped_row_are_named(config):
    database = config.parent / "data" / "audit.db"
    tamper(database, "UPDATE audit_log SET seq = -1 WHERE seq = 9", "UPDATE audit_log SET seq = 9 WHERE seq = 10",
           "UPDATE audit_log SET seq = 10 WHERE seq = -1")
    result = onepoint("verify", "--config", str(config))
    assert (result.returncode, result.stdout.split(":")[0]) == (1, "REORDERED at row 9")
    tamper(database, "DELETE FROM audit_log WHERE seq = 4")
    result = onepoint("verify", "--config", str(config))
    assert (result.returncode, result.stdout.split(":")[0]) == (1, "REMOVED at row 4")


def test_a_cut_tail_and_a_rolled_back_head(config):
    head = onepoint("head", "--config", str(config)).stdout.strip()
    assert head.startswith("30:")
    tamper(config.parent / "data" / "audit.db", "DELETE FROM audit_log WHERE seq > 27")
    result = onepoint("verify", "--config", str(config), "--head", head)
    assert (result.returncode, result.stdout.split(":")[0]) == (1, "TRUNCATED at row 28")


def test_another_key_is_named_as_such_and_exits_2_not_as_tampering(config):
    """E.g. $ONEPOINT_AUDIT_KEY unset in the auditor's shell: the built-in development key is not the log's."""
    sealed_with = ChainKey(KEY.encode(), "x").key_id
    result = onepoint("verify", "--config", str(config), key="another-key-of-at-least-32-bytes-long")
    given = ChainKey(b"another-key-of-at-least-32-bytes-long", "x").key_id
    assert (result.returncode, result.stdout) == (2, "")
    assert f"this log was sealed with another key (key id {sealed_with}, given key id {given})" in result.stderr
    assert "another-key-of-at-least" not in result.stderr and KEY not in result.stderr
    config.write_text(config.read_text() + "development_key = true\n")
    result = onepoint("verify", "--config", str(config), key=None)
    dev = ChainKey(DEVELOPMENT_KEY, "x").key_id
    assert result.returncode == 2 and f"(key id {sealed_with}, given key id {dev})" in result.stderr


def test_a_field_turned_into_a_blob_is_named_as_altered(config):
    tamper(config.parent / "data" / "audit.db",
           "UPDATE audit_log SET purpose = CAST(purpose AS BLOB) WHERE seq = 12",
           "UPDATE audit_log SET operator = CAST(x'c3' AS TEXT) WHERE seq = 20")
    result = onepoint("verify", "--config", str(config))
    assert (result.returncode, result.stdout.split(":")[0], result.stderr) == (1, "ALTERED at row 12", "")
    shown = onepoint("show", "--config", str(config), "--last", "30")
    assert shown.returncode == 0 and shown.stderr == ""


def test_a_log_written_before_key_ids_and_callers_still_verifies(tmp_path):
    path = tmp_path / "hub.toml"
    path.write_text('[audit]\npath = "old/audit.db"\nkey_env = "TEST_AUDIT_KEY"\n')
    (tmp_path / "old").mkdir()
    old_log(tmp_path / "old" / "audit.db", 12, ChainKey(KEY.encode(), "x"))
    result = onepoint("verify", "--config", str(path))
    assert (result.returncode, result.stdout) == (0, "OK: 12 rows, chain intact\n"), result.stderr
    result = onepoint("verify", "--config", str(path), key="another-key-of-at-least-32-bytes-long")
    assert result.returncode == 1 and "ALTERED at row 1" in result.stdout and "another key" in result.stdout


def test_no_key_or_no_log_cannot_be_checked(config, tmp_path):
    result = onepoint("verify", "--config", str(config), key=None)
    assert result.returncode == 2
    assert "no audit key" in result.stderr
    elsewhere = tmp_path / "empty.toml"
    elsewhere.write_text('[audit]\npath = "none/audit.db"\nkey_env = "TEST_AUDIT_KEY"\n')
    result = onepoint("verify", "--config", str(elsewhere))
    assert result.returncode == 2
    assert "no audit log at" in result.stderr
    assert not (tmp_path / "none").exists()


def test_show_prints_the_newest_rows_with_numbers_masked(config):
    result = onepoint("show", "--config", str(config), "--last", "5")
    assert result.returncode == 0
    assert "newest 5 of 30 rows" in result.stdout
    assert result.stdout.count("*******8000") == 5
    assert MSISDN not in result.stdout
    assert "zhang.wei" in result.stdout
    assert [line.split("│")[1].strip() for line in result.stdout.splitlines()
            if line.startswith("│") and line.split("│")[1].strip()] == ["26", "27", "28", "29", "30"]


def test_show_keeps_every_column_readable_beside_a_long_purpose(config):
    long_purpose = "WO20261201ABCD1234 repeated SMS delivery failures, the customer's third call " * 3
    with AuditLog.open(load_settings(config).audit) as log:
        log.append(replace(entry(7), purpose=long_purpose))
    result = onepoint("show", "--config", str(config), "--last", "1")
    assert result.returncode == 0
    row = next(line for line in result.stdout.splitlines() if line.startswith("│") and "31" in line.split("│")[1])
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[0] == "31" and cells[4] == "10.1.2.3" and cells[5] == "*******8000"
    assert cells[8] == "7" and cells[9] == "allowed"


def test_a_head_of_another_chain_is_named_as_such_and_is_a_finding(config, tmp_path):
    """After a move to a shared database the new chain is checked against the last head of the old file: the head
    names its chain (row 1's MAC, begun), so verify says the log is not the one the head was recorded for instead of
    "TRUNCATED" — still exit 1: a log deleted and started anew by the hub looks the same (audit of this code)."""
    other = tmp_path / "other.toml"
    other.write_text('[audit]\npath = "other/audit.db"\nkey_env = "TEST_AUDIT_KEY"\n')
    with AuditLog.open(load_settings(other).audit) as log:
        for n in range(5):
            log.append(entry(n))
    old_head = onepoint("head", "--config", str(config)).stdout.strip()
    assert old_head.count(":") == 2 and old_head.startswith("30:")
    result = onepoint("verify", "--config", str(other), "--head", old_head)
    assert result.returncode == 1
    assert result.stdout.startswith("CHAIN: this log is not the one the --head given (row 30) was recorded for")
    assert "Either the log was replaced since the head was recorded" in result.stdout
    assert "This log's 5 rows hold and its chain is intact" in result.stdout
    new_head = onepoint("head", "--config", str(other)).stdout.strip()
    assert new_head.split(":")[2] != old_head.split(":")[2]
    assert onepoint("verify", "--config", str(other), "--head", new_head).returncode == 0
    assert onepoint("verify", "--config", str(config), "--head", old_head).returncode == 0
    without_chain = old_head.rsplit(":", 1)[0]  # a head recorded before heads named their chain: as before
    assert onepoint("verify", "--config", str(config), "--head", without_chain).returncode == 0
    result = onepoint("verify", "--config", str(other), "--head", without_chain)
    assert (result.returncode, result.stdout.split(":")[0]) == (1, "TRUNCATED at row 6")


def test_tampering_in_a_log_checked_against_another_chains_head_is_still_named(config, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text('[audit]\npath = "other/audit.db"\nkey_env = "TEST_AUDIT_KEY"\n')
    with AuditLog.open(load_settings(other).audit) as log:
        for n in range(5):
            log.append(entry(n))
    tamper(tmp_path / "other" / "audit.db", "UPDATE audit_log SET rows_returned = 0 WHERE seq = 3")
    result = onepoint("verify", "--config", str(other), "--head", onepoint("head", "--config", str(config)).stdout)
    assert (result.returncode, result.stdout.split(":")[0]) == (1, "ALTERED at row 3")
