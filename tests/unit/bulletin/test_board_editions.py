"""The bulletin board after the second audit: pages in raise order (a revision does not move a notice past an
agent's cursor), an edition per change that reads are counted in (a correction or clearance at the same revision
stays unread), the agent's unread count apart from the page, and a correction never overwritten by its own
original arriving late (SentAt)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.bulletin import BulletinBoard, OutageNotice, parse_outage_notice
from tests.unit.bulletin.test_board import board  # noqa: F401 - the fixture

pytestmark = pytest.mark.unit
NID = "FLT-20261123-0007"


def fault(examples_dir: Path, revision: int | None = 1, *, notice_id: str = NID, status: str = "ACTIVE",
          title: str | None = None, sent_at: str | None = None, area: str | None = None) -> OutageNotice:
    text = (examples_dir / "nsp" / "OutageNotice.valid-fault.xml").read_text(encoding="utf-8")
    text = re.sub(r"<nsp:Revision>\d+</nsp:Revision>", "" if revision is None else
                  f"<nsp:Revision>{revision}</nsp:Revision>", text)
    text = text.replace(NID, notice_id)
    text = re.sub(r"<nsp:Status>\w+</nsp:Status>", f"<nsp:Status>{status}</nsp:Status>", text)
    if title:
        text = re.sub(r"<nsp:Title>[^<]*</nsp:Title>", f"<nsp:Title>{title}</nsp:Title>", text)
    if sent_at:
        text = re.sub(r"<c:SentAt>[^<]*</c:SentAt>", f"<c:SentAt>{sent_at}</c:SentAt>", text)
    if area:
        text = re.sub(r"<c:AreaCode>[^<]*</c:AreaCode>", f"<c:AreaCode>{area}</c:AreaCode>", text)
    return parse_outage_notice(text.encode())


def notice_ids(count: int) -> list[str]:
    return [f"FLT-20261123-{n:04d}" for n in range(1, count + 1)]


def test_a_pass_through_the_pages_shows_each_notice_once_while_notices_are_revised(
        board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    ids = notice_ids(6)
    for n, notice_id in enumerate(ids):
        board.post(f"m{n}", fault(examples_dir, notice_id=notice_id))
    page = board.page("cs-0001", limit=2)
    seen = [e.notice.notice_id for e in page.entries]
    assert seen == [ids[5], ids[4]]  # newest raised first
    board.post("r1", fault(examples_dir, 2, notice_id=ids[0], title="now two sites"))  # not shown yet
    board.post("r2", fault(examples_dir, 2, notice_id=ids[5], title="shown already"))
    shown = {}
    while page.more:
        last = page.entries[-1]
        page = board.page("cs-0001", limit=2, after=(last.raised_at, last.notice.notice_id))
        seen += [e.notice.notice_id for e in page.entries]
        shown.update({e.notice.notice_id: e.notice for e in page.entries})
    assert seen == ids[::-1]  # each once, in raise order
    assert (shown[ids[0]].revision, shown[ids[0]].title) == (2, "now two sites")  # its newest version


def test_each_change_applied_is_a_new_edition(board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    def edition() -> int:
        (entry,) = board.entries("cs-0001", include_cleared=True)
        return entry.edition

    assert board.post("m1", fault(examples_dir, 1)) == "raised" and edition() == 1
    assert board.post("m2", fault(examples_dir, 1, title="corrected")) == "updated" and edition() == 2
    assert board.post("m3", fault(examples_dir, 1, title="corrected")) == "unchanged" and edition() == 2
    assert board.post("m4", fault(examples_dir, 2, title="revised")) == "updated" and edition() == 3
    assert board.post("m5", fault(examples_dir, 1, title="late")) == "stale" and edition() == 3
    mark = board.mark_read("cs-0001", NID, edition=2)  # an edition of revision 1, no longer kept
    assert mark is not None and (mark.revision, mark.edition, mark.unread) == (None, 2, True)
    assert board.post("m6", fault(examples_dir, None, status="CLEARED")) == "cleared" and edition() == 4
    entry = board.notice(NID)
    assert entry is not None and (entry.edition, entry.notice.revision) == (4, 2)


def test_a_read_of_the_revision_shown_leaves_a_correction_at_that_revision_unread(
        board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    board.post("m1", fault(examples_dir, 1, title="one base station"))
    (shown,) = board.entries("cs-0001")
    board.post("m2", fault(examples_dir, 1, title="three base stations"))  # corrected, revision kept
    mark = board.mark_read("cs-0001", NID, revision=shown.notice.revision)
    assert mark is not None and (mark.revision, mark.edition, mark.unread) == (1, 1, True)
    assert board.entries("cs-0001")[0].unread
    mark = board.mark_read("cs-0001", NID, edition=shown.edition)  # the edition shown: the same answer
    assert mark is not None and mark.unread and board.entries("cs-0001")[0].unread
    (now,) = board.entries("cs-0001")
    mark = board.mark_read("cs-0001", NID, edition=now.edition)
    assert mark is not None and (mark.edition, mark.unread) == (2, False)
    assert not board.entries("cs-0001")[0].unread
    mark = board.mark_read("cs-0001", NID, edition=1)
    assert mark is not None and (mark.revision, mark.unread) == (1, False)  # a read never moves back

    board.post("m3", fault(examples_dir, None, status="CLEARED"))  # cleared at revision 1
    board.mark_read("cs-0001", NID, revision=1)
    assert board.entries("cs-0001", include_cleared=True)[0].unread  # the clearance was never shown
    mark = board.mark_read("cs-0001", NID, edition=99)  # beyond the current edition: the current one
    assert mark is not None and (mark.revision, mark.edition, mark.unread) == (1, 3, False)


def test_the_unread_count_is_the_agents_under_the_filter_not_the_pages(
        board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    ids = notice_ids(5)
    for n, notice_id in enumerate(ids):
        board.post(f"m{n}", fault(examples_dir, notice_id=notice_id, area="0571" if n == 4 else "0755"))
    board.mark_read("cs-0001", ids[0])
    page = board.page("cs-0001", limit=2)
    assert (len(page.entries), page.unread, page.more) == (2, 4, True)
    assert board.page("cs-0001", limit=2, after=(page.entries[-1].raised_at, ids[3])).unread == 4
    assert board.page("cs-0001", area="0755", limit=1).unread == 3
    board.post("c", fault(examples_dir, None, notice_id=ids[1], status="CLEARED"))
    assert board.unread("cs-0001") == 3 and board.unread("cs-0001", include_cleared=True) == 4
    assert board.unread("cs-0002") == 4


def test_the_original_sent_before_its_correction_does_not_overwrite_it(
        board: BulletinBoard, examples_dir: Path) -> None:  # noqa: F811
    corrected = fault(examples_dir, 1, title="three base stations", sent_at="2026-11-23T09:40:00+08:00")
    assert corrected.sent_at == "2026-11-23T09:40:00+08:00"
    assert board.post("m2", corrected) == "raised"  # the correction came first
    original = fault(examples_dir, 1, title="one base station", sent_at="2026-11-23T01:10:00Z")  # 09:10 +08:00
    assert board.post("m1", original) == "stale"
    (entry,) = board.entries("cs-0001")
    assert (entry.notice.title, entry.edition) == ("three base stations", 1)
    # the correction resent later moves the SentAt kept on: a variant sent in between is then the older one
    assert board.post("m3", fault(examples_dir, 1, title="three base stations",
                                  sent_at="2026-11-23T10:00:00+08:00")) == "unchanged"
    assert board.post("m4", fault(examples_dir, 1, title="two base stations",
                                  sent_at="2026-11-23T09:50:00+08:00")) == "stale"
    assert board.post("m5", fault(examples_dir, 1, title="two base stations",
                                  sent_at="2026-11-23T10:05:00+08:00")) == "updated"
    # a clearance at the same revision is not undone by SentAt: the status rule orders it
    assert board.post("m6", fault(examples_dir, 1, status="CLEARED", sent_at="2026-11-23T09:00:00+08:00")) \
        == "cleared"


def test_sent_earlier_compares_moments_and_knows_nothing_without_both() -> None:
    from hub.bulletin.notice import sent_earlier  # the rule under test, absent before it

    assert sent_earlier("2026-11-23T09:10:00+08:00", "2026-11-23T01:40:00Z")
    assert not sent_earlier("2026-11-23T01:40:00Z", "2026-11-23T09:10:00+08:00")
    assert not sent_earlier("2026-11-23T09:10:00+08:00", "2026-11-23T01:10:00Z")  # the same moment
    assert not sent_earlier(None, "2026-11-23T09:10:00+08:00")
    assert not sent_earlier("10000-01-01T00:00:00Z", "2026-11-23T09:10:00+08:00")  # beyond a datetime: unknown
