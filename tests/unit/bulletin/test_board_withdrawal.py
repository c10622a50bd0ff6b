"""A notice NSP withdraws as issued in error (status WITHDRAWN, docs/outages.md "Withdrawal: not an outage"): the
board shows it withdrawn, no longer among the active notices, unread again for the agents as any new edition; it
is NSP's last word, so nothing of the notice that comes after it is applied."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from hub.bulletin import BulletinBoard, OutageNotice
from hub.bulletin.views import bulletin_json, notice_xml
from tests.unit.bulletin.test_board import board  # noqa: F401 - the fixture
from tests.unit.bulletin.test_board_editions import NID, fault

pytestmark = pytest.mark.unit


def withdrawn(examples_dir: Path, revision: int | None = 2) -> OutageNotice:
    return replace(fault(examples_dir, revision, status="WITHDRAWN"), withdrawal_reason="a faulty sensor")


def test_a_withdrawn_notice_is_shown_withdrawn_no_longer_active_and_unread_again(
        board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    assert board.post("m1", fault(examples_dir, 1)) == "raised"
    (shown,) = board.entries("cs-0001")
    board.mark_read("cs-0001", NID, edition=shown.edition)
    assert board.unread("cs-0001", include_cleared=True) == 0
    assert board.post("m2", withdrawn(examples_dir)) == "withdrawn"
    assert board.entries("cs-0001") == []  # no longer an active notice
    (entry,) = board.entries("cs-0001", include_cleared=True)
    assert (entry.notice.status, entry.notice.revision, entry.edition, entry.unread) == ("WITHDRAWN", 2, 2, True)
    assert entry.notice.withdrawal_reason == "a faulty sensor"
    assert bulletin_json("cs-0001", [entry])["notices"][0]["status"] == "WITHDRAWN"
    assert b'status="WITHDRAWN"' in notice_xml(entry)


def test_nothing_of_a_withdrawn_notice_is_applied_after_the_withdrawal(
        board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    board.post("m1", fault(examples_dir, 1))
    assert board.post("m2", withdrawn(examples_dir)) == "withdrawn"
    assert board.post("m3", fault(examples_dir, None, status="CLEARED")) == "stale"
    assert board.post("m4", fault(examples_dir, 3, title="revised after all")) == "stale"
    assert board.post("m2", withdrawn(examples_dir)) == "withdrawn"  # the redelivery: its recorded outcome
    entry = board.notice(NID)
    assert entry is not None and (entry.notice.status, entry.notice.revision, entry.edition) == ("WITHDRAWN", 2, 2)


def test_a_notice_without_a_withdrawal_reason_is_kept_as_before(
        board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    board.post("m1", fault(examples_dir, 1))
    with board.engine.connect() as db:
        (kept,) = db.exec_driver_sql("SELECT notice FROM notices").one()
    assert "withdrawal_reason" not in json.loads(kept)  # a board's earlier notices stay the same notice
