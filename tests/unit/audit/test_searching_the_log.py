"""``onepoint audit search`` answers the officer's questions (a number by its last 4 digits, an operator, an outcome,
a work order, a period) as a table or as an export that verifies the chain first and carries its head; ``show``
has the message id that pairs a pending row with its outcome."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.audit import AuditLog, Outcome, SQLiteAuditStorage
from hub.cli.audit import audit
from tests.unit.audit.kit import TEST_KEY, entry, tamper

pytestmark = pytest.mark.unit

KEY_ENV = "TEST_AUDIT_SEARCH_KEY"
KEY_TEXT = "audit-test-key-0123456789abcdef-0123456789"  # TEST_KEY's bytes


def onepoint_audit(folder: Path, *args: str) -> Result:
    config = folder / "hub.toml"
    config.write_text(f'[audit]\npath = "audit.db"\nkey_env = "{KEY_ENV}"\n')
    return CliRunner().invoke(audit, [*args, "--config", str(config)], env={KEY_ENV: KEY_TEXT},
                                              terminal_width=300)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Four queries: two of number …5566 (one pending then allowed, same message id), one denied of …8000, one
    failed by another operator."""
    with AuditLog(SQLiteAuditStorage(tmp_path / "audit.db"), TEST_KEY) as log:
        mine = replace(entry(1), msisdn_masked="*******5566", purpose="WO20261201AAAA0001: bank codes",
                       message_id="hub-pair-1")
        log.append(replace(mine, outcome=Outcome.PENDING, rows_returned=0))
        log.append(mine)
        log.append(entry(2, outcome=Outcome.DENIED))
        log.append(replace(entry(3, outcome=Outcome.FAILED, operator="li.qiang"), reason="DSMP timed out"))
    return tmp_path


def jsonl(result: Result) -> tuple[dict[str, object], list[dict[str, object]]]:
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return lines[0]["audit_export"], lines[1:]


def test_show_has_the_message_id_that_pairs_a_pending_row_with_its_outcome(folder: Path) -> None:
    result = onepoint_audit(folder, "show")
    assert result.exit_code == 0, result.output
    assert "message id" in result.stdout
    assert sum("hub-pair-1" in line for line in result.stdout.splitlines()) == 2


def test_a_number_is_found_by_its_last_4_digits_however_written(folder: Path) -> None:
    result = onepoint_audit(folder, "search", "--msisdn", "+86 135-0110-5566", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    header, rows = jsonl(result)
    assert [row["seq"] for row in rows] == [1, 2] and {row["msisdn_masked"] for row in rows} == {"*******5566"}
    assert header["filters"] == {"msisdn_tail": "5566"} and "one subscriber in 10,000" in str(header["msisdn"])
    assert "13501105566" not in result.stdout


@pytest.mark.parametrize(("args", "seqs"), [
    (["--operator", "li.qiang"], [4]),
    (["--outcome", "denied"], [3]),
    (["--work-order", "WO20261201AAAA0001"], [1, 2]),
    (["--work-order", " wo20261201aaaa0001 "], [1, 2]),  # typed in lower case, a blank pasted along: the same id
    (["--outcome", "allowed", "--msisdn", "5566"], [2]),
    (["--from", "2000-01-01", "--to", "2000-01-02"], []),
    (["--from", "2000-01-01"], [1, 2, 3, 4]),
])
def test_filters_combine(folder: Path, args: list[str], seqs: list[int]) -> None:
    result = onepoint_audit(folder, "search", *args, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [row["seq"] for row in jsonl(result)[1]] == seqs


def test_the_table_is_the_one_people_scan(folder: Path) -> None:
    result = onepoint_audit(folder, "search", "--msisdn", "5566")
    assert result.exit_code == 0, result.output
    assert "2 rows found of 4" in result.stdout and "hub-pair-1" in result.stdout
    assert "one subscriber in 10,000" in result.stdout


def test_an_export_carries_the_head_it_verified(folder: Path) -> None:
    head = onepoint_audit(folder, "head").stdout.strip()
    result = onepoint_audit(folder, "search", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert f"head {head}; OK: 4 rows, chain intact" in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["seq"] for row in rows] == ["1", "2", "3", "4"] and rows[0]["message_id"] == "hub-pair-1"
    header, _ = jsonl(onepoint_audit(folder, "search", "--format", "jsonl"))
    assert header["head"] == head and header["verified"] == "OK: 4 rows, chain intact"


def test_a_broken_log_is_not_exported_unless_told(folder: Path) -> None:
    tamper(folder / "audit.db", "UPDATE audit_log SET operator = 'nobody' WHERE seq = 3")
    refused = onepoint_audit(folder, "search", "--format", "jsonl")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "ALTERED at row 3" in refused.stderr and "--unverified" in refused.stderr
    given = onepoint_audit(folder, "search", "--format", "jsonl", "--unverified")
    header, rows = jsonl(given)
    assert given.exit_code == 0 and header["intact"] is False and len(rows) == 4


def test_a_number_of_fewer_than_4_digits_is_a_usage_error(folder: Path) -> None:
    result = onepoint_audit(folder, "search", "--msisdn", "55")
    assert result.exit_code == 2 and "at least 4 digits" in result.stderr


@pytest.mark.parametrize("spelling", ["{day:%Y-%m-%d}", "{day:%Y%m%d}", "{day:%G-W%V-%u}"])
def test_a_date_however_spelled_is_its_whole_day(folder: Path, spelling: str) -> None:
    """``--to 20261130`` (ISO basic) or a week date is the whole day, as ``--to 2026-11-30``: not its 00:00."""
    every = jsonl(onepoint_audit(folder, "search", "--format", "jsonl"))[1]
    day = datetime.fromisoformat(str(every[0]["at"])).astimezone(UTC).date()
    typed = spelling.format(day=day)
    result = onepoint_audit(folder, "search", "--from", typed, "--to", typed, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [row["seq"] for row in jsonl(result)[1]] == [row["seq"] for row in every
                                                         if str(row["at"]).startswith(day.isoformat())]


@pytest.mark.parametrize("typed", ["WO20261201BBBB0002", "wo20261201bbbb0002", "ＷＯ２０２６１２０１ＢＢＢＢ０００２"])
def test_a_work_order_is_found_however_the_caller_wrote_it_in_the_purpose(tmp_path: Path, typed: str) -> None:
    """A purpose names the work order as the caller wrote it, and a query naming a malformed id is denied and
    audited so: lower case, full-width (with a full-width colon). ``--work-order`` finds each, whatever its own
    spelling; before, the typed id was made canonical and compared with the purpose's exactly: none was found."""
    purposes = ["WO20261201BBBB0002: as issued", "wo20261201bbbb0002: in lower case",
                "ＷＯ２０２６１２０１ＢＢＢＢ０００２：full-width", " wo20261201bbbb0002 : blanks",
                "WO20261201BBBB0003: other"]
    with AuditLog(SQLiteAuditStorage(tmp_path / "audit.db"), TEST_KEY) as log:
        for n, purpose in enumerate(purposes, start=1):
            log.append(replace(entry(n, outcome=Outcome.DENIED), purpose=purpose))
    result = onepoint_audit(tmp_path, "search", "--work-order", typed, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    header, rows = jsonl(result)
    assert [row["seq"] for row in rows] == [1, 2, 3, 4]
    assert header["filters"] == {"work_order": "WO20261201BBBB0002"}
