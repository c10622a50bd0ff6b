"""The bulletin board after the audit: a clearance without a Revision clears the kept revision, times are read as
xs:dateTime (T24:00:00; a year beyond 9999 refused with the reason), an agent marks read the revision shown, and
the connections of finished threads are closed."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from hub.bulletin import BulletinBoard, InconsistentNotice, ReadMark, parse_outage_notice
from tests.unit.bulletin.test_board import board  # noqa: F401 - the fixture

pytestmark = pytest.mark.unit


def fault(examples_dir: Path, revision: int | None = 1, *, status: str = "ACTIVE", title: str | None = None,
          start: str | None = None) -> bytes:
    text = (examples_dir / "nsp" / "OutageNotice.valid-fault.xml").read_text(encoding="utf-8")
    text = re.sub(r"<nsp:Revision>\d+</nsp:Revision>", "" if revision is None else
                  f"<nsp:Revision>{revision}</nsp:Revision>", text)
    text = re.sub(r"<nsp:Status>\w+</nsp:Status>", f"<nsp:Status>{status}</nsp:Status>", text)
    if title:
        text = re.sub(r"<nsp:Title>[^<]*</nsp:Title>", f"<nsp:Title>{title}</nsp:Title>", text)
    if start:
        text = re.sub(r"<nsp:Start>[^<]*</nsp:Start>", f"<nsp:Start>{start}</nsp:Start>", text)
    return text.encode()


def marked_revision(mark: ReadMark | None) -> int | None:
    assert mark is not None
    return mark.revision


def test_a_clearance_without_revision_clears_the_revised_notice(board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    assert board.post("m1", parse_outage_notice(fault(examples_dir, 1))) == "raised"
    assert board.post("m2", parse_outage_notice(fault(examples_dir, 2, title="Revised"))) == "updated"
    assert board.post("m3", parse_outage_notice(fault(examples_dir, None, status="CLEARED"))) == "cleared"
    (entry,) = board.entries("cs-0001", include_cleared=True)
    assert (entry.notice.status, entry.notice.revision) == ("CLEARED", 2)
    assert board.post("m4", parse_outage_notice(fault(examples_dir, None))) == "stale"  # ACTIVE r1: older


def test_hour_24_is_read_and_a_year_beyond_range_refused(examples_dir: Path) -> None:
    assert parse_outage_notice(fault(examples_dir, start="2026-11-22T24:00:00+08:00")).active
    with pytest.raises(InconsistentNotice, match=r"Start.*1-9999"):
        parse_outage_notice(fault(examples_dir, start="10000-01-01T00:00:00+08:00"))


def test_the_agent_marks_read_the_revision_shown(board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    board.post("m1", parse_outage_notice(fault(examples_dir, 1)))
    board.post("m2", parse_outage_notice(fault(examples_dir, 2, title="Revised")))
    assert marked_revision(board.mark_read("cs-0001", "FLT-20261123-0007", revision=1)) == 1
    (entry,) = board.entries("cs-0001")
    assert entry.unread  # revision 2 was never shown
    assert marked_revision(board.mark_read("cs-0001", "FLT-20261123-0007", revision=9)) == 2  # at most the current
    assert not board.entries("cs-0001")[0].unread
    assert marked_revision(board.mark_read("cs-0001", "FLT-20261123-0007", revision=1)) == 1
    assert not board.entries("cs-0001")[0].unread  # a read never moves back


def test_connections_of_finished_threads_are_closed(board: BulletinBoard) -> None:  # noqa: F811
    for _ in range(20):
        thread = threading.Thread(target=lambda: board.entries("cs-0001"))
        thread.start()
        thread.join()
    assert board.connections() == 1  # this thread's (the schema's) only


def test_the_clearance_drops_the_reads_and_retention_prunes(tmp_path: Path, examples_dir: Path) -> None:
    board = BulletinBoard(tmp_path / "kept.db", keep_cleared=100.0, keep_messages=100.0, prune_every=1e12)  # noqa: F811
    try:
        board.post("m1", parse_outage_notice(fault(examples_dir, 1)))
        board.mark_read("cs-0001", "FLT-20261123-0007")
        board.post("m2", parse_outage_notice(fault(examples_dir, 1, status="CLEARED")))
        (entry,) = board.entries("cs-0001", include_cleared=True)
        assert entry.unread  # the clearance is news, and no read of the notice is kept for it
        assert board.prune(entry.updated_at + 50) == (0, 0)  # within the retention
        assert board.prune(entry.updated_at + 101) == (1, 2)
        assert board.entries("cs-0001", include_cleared=True) == [] and board.applied() == 0
    finally:
        board.close()


def test_entries_come_in_pages(board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    for n in range(5):
        text = fault(examples_dir, 1).replace(b"FLT-20261123-0007", f"FLT-20261123-000{n}".encode())
        board.post(f"m{n}", parse_outage_notice(text))
    first = board.entries("cs-0001", limit=2)
    rest = board.entries("cs-0001", after=(first[-1].raised_at, first[-1].notice.notice_id))
    assert len(first) == 2 and len(rest) == 3
    assert {e.notice.notice_id for e in first + rest} == {f"FLT-20261123-000{n}" for n in range(5)}
