"""A clearance NSP sent without a Revision, overtaken on the way by the newer revision NSP sent before it: the
bulletin keeps the notice cleared when that revision comes last (audit of outage notices: before, the late revision
counted as newer and reopened the notice for good). An ACTIVE version sent after the clearance still reopens it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.bulletin import BulletinBoard
from tests.unit.bulletin.test_board import board  # noqa: F401 - the fixture
from tests.unit.bulletin.test_board_editions import fault

pytestmark = pytest.mark.unit
REVISED, CLEARED, REOPENED = "2026-11-23T09:20:00+08:00", "2026-11-23T11:10:00+08:00", "2026-11-23T12:00:00+08:00"


def test_a_revision_sent_before_the_clearance_it_came_after_does_not_reopen_the_notice(
        board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    assert board.post("m1", fault(examples_dir, 1)) == "raised"  # sent 09:10
    assert board.post("m3", fault(examples_dir, None, status="CLEARED", sent_at=CLEARED)) == "cleared"
    assert board.post("m2", fault(examples_dir, 2, title="two base stations", sent_at=REVISED)) == "stale"
    (entry,) = board.entries("cs-0001", include_cleared=True)
    assert (entry.notice.revision, entry.notice.status) == (1, "CLEARED")


def test_a_revision_sent_after_the_clearance_reopens_the_notice(
        board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    assert board.post("m1", fault(examples_dir, 1)) == "raised"
    assert board.post("m2", fault(examples_dir, None, status="CLEARED", sent_at=CLEARED)) == "cleared"
    assert board.post("m3", fault(examples_dir, 2, title="it is down again", sent_at=REOPENED)) == "updated"
    (entry,) = board.entries("cs-0001")
    assert (entry.notice.revision, entry.notice.status) == (2, "ACTIVE")


def test_sent_before_clearance_judges_an_active_version_by_when_nsp_sent_it() -> None:
    from hub.bulletin.notice import sent_before_clearance  # the rule under test, absent before it

    assert sent_before_clearance(True, REVISED, True, CLEARED)
    assert sent_before_clearance(True, REVISED, True, datetime(2026, 11, 23, 3, 10, tzinfo=UTC))  # as kept
    assert sent_before_clearance(True, REVISED, True, datetime(2026, 11, 23, 3, 10))  # kept without an offset: UTC
    assert not sent_before_clearance(True, REOPENED, True, CLEARED)  # sent after it: a reopening
    assert not sent_before_clearance(False, REVISED, True, CLEARED)  # a clearance is no reopening
    assert not sent_before_clearance(True, REVISED, False, CLEARED)  # nothing cleared
    assert not sent_before_clearance(True, None, True, CLEARED)  # without both moments the revisions decide
    assert not sent_before_clearance(True, REVISED, True, None)
