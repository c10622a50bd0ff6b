"""The old log's head, which names its chain, checked against the new chain right after a switch (README "Moving one
hub to several" step 2, before the new chain's first row): not TRUNCATED "recorded without its chain" (it was
recorded with it), but CHAIN, saying both what it can be: another log's head, or this log's rows all cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.audit import AuditLog, Problem, SQLiteAuditStorage
from tests.unit.audit.kit import TEST_KEY, filled_log

pytestmark = pytest.mark.unit


def test_the_head_of_the_old_chain_against_the_new_empty_one_is_another_chains(tmp_path: Path) -> None:
    old = filled_log(tmp_path / "old.db", 2)
    head = old.head()
    old.close()
    assert head.chain is not None
    new = AuditLog(SQLiteAuditStorage(tmp_path / "new.db"), TEST_KEY)
    report = new.verify(expected_head=head)
    new.close()
    assert report.finding is not None and report.finding.problem is Problem.CHAIN and report.other_chain
    summary = report.summary()
    assert summary.startswith("CHAIN: this log is not the one the --head given (row 2) was recorded for"), summary
    assert "recorded without its chain" not in summary
    assert "no row" in summary and "cut" in summary  # the wiped log it cannot be told apart from, said too


def test_a_head_without_its_chain_against_an_empty_log_keeps_both_readings(tmp_path: Path) -> None:
    old = filled_log(tmp_path / "old.db", 2)
    head = old.head()
    old.close()
    new = AuditLog(SQLiteAuditStorage(tmp_path / "new.db"), TEST_KEY)
    report = new.verify(expected_head=type(head)(head.seq, head.mac))  # as heads were printed before
    new.close()
    assert report.finding is not None and report.finding.problem is Problem.TRUNCATED
    assert "recorded without its chain" in report.summary()
