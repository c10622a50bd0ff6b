"""The bulletin board and its consumer: notices raised, updated, cleared by id and revision, once per message id,
with unread marks per agent; the consumer through the worker pipeline (WorkerTestClient)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.bulletin import BulletinBoard, InconsistentNotice, handlers, parse_outage_notice
from hub.envelope import Envelope
from hub.workers import WorkerTestClient

pytestmark = pytest.mark.unit


@pytest.fixture
def board(tmp_path: Path):
    opened = BulletinBoard(tmp_path / "bulletin.db")
    yield opened
    opened.close()


def example(examples_dir: Path, name: str) -> bytes:
    return (examples_dir / "nsp" / f"OutageNotice.{name}.xml").read_bytes()


def revised(document: bytes, revision: int, *, status: str | None = None, title: str | None = None) -> bytes:
    text = document.decode()
    text = re.sub(r"<nsp:Revision>\d+</nsp:Revision>", f"<nsp:Revision>{revision}</nsp:Revision>", text)
    if status:
        text = re.sub(r"<nsp:Status>\w+</nsp:Status>", f"<nsp:Status>{status}</nsp:Status>", text)
    if title:
        text = re.sub(r"<nsp:Title>[^<]*</nsp:Title>", f"<nsp:Title>{title}</nsp:Title>", text)
    return text.encode()


def test_the_notice_is_read_from_the_nsp_document(examples_dir: Path) -> None:
    notice = parse_outage_notice(example(examples_dir, "valid-planned-work"))
    assert (notice.notice_id, notice.revision, notice.kind, notice.adjustment_kind) == (
        "ADJ-20261122-0012", 1, "PLANNED_WORK", "CUT_OVER")
    assert [(a.code, a.district) for a in notice.areas] == [("0571", "Xihu"), ("0571", "Binjiang"), ("0572", None)]
    assert notice.services == ("VOICE", "VOLTE", "ROAMING")
    assert notice.active and notice.cleared_at is None


def test_kind_and_adjustment_kind_must_agree(examples_dir: Path) -> None:
    fault = example(examples_dir, "valid-fault").decode()
    with pytest.raises(InconsistentNotice, match="FAULT notice has no AdjustmentKind"):
        parse_outage_notice(fault.replace("<nsp:Title>", "<nsp:AdjustmentKind>CUT_OVER</nsp:AdjustmentKind>"
                                          "<nsp:Title>").encode())
    planned = example(examples_dir, "valid-planned-work").decode()
    with pytest.raises(InconsistentNotice, match="must say its AdjustmentKind"):
        parse_outage_notice(re.sub(r"<nsp:AdjustmentKind>\w+</nsp:AdjustmentKind>", "", planned).encode())


def test_raised_updated_cleared_by_notice_id_and_revision(board: BulletinBoard, examples_dir: Path) -> None:
    fault = example(examples_dir, "valid-fault")
    assert board.post("m1", parse_outage_notice(fault)) == "raised"
    assert [e.notice.revision for e in board.entries("A1")] == [1]
    assert board.post("m2", parse_outage_notice(revised(fault, 3, title="repair slower"))) == "updated"
    assert board.post("m3", parse_outage_notice(revised(fault, 2, title="late"))) == "stale"
    [entry] = board.entries("A1")
    assert (entry.notice.revision, entry.notice.title) == (3, "repair slower")
    assert board.post("m4", parse_outage_notice(example(examples_dir, "valid-cleared"))) == "stale"  # r2 < r3
    assert board.post("m5", parse_outage_notice(revised(example(examples_dir, "valid-cleared"), 4))) == "cleared"
    assert board.entries("A1") == []
    [cleared] = board.entries("A1", include_cleared=True)
    assert (cleared.notice.status, cleared.notice.cleared_at) == ("CLEARED", "2026-11-23T11:05:00+08:00")
    assert board.post("m6", parse_outage_notice(revised(fault, 4))) == "stale"  # a clear is not undone at the same r


def test_a_message_id_takes_effect_once(board: BulletinBoard, examples_dir: Path) -> None:
    fault = example(examples_dir, "valid-fault")
    assert board.post("m1", parse_outage_notice(fault)) == "raised"
    assert board.post("m1", parse_outage_notice(revised(fault, 5))) == "raised"  # the recorded outcome, no effect
    assert [e.notice.revision for e in board.entries("A1")] == [1]
    assert board.applied() == 1


def test_unread_per_agent_until_read_and_again_after_an_update(board: BulletinBoard, examples_dir: Path) -> None:
    fault = example(examples_dir, "valid-fault")
    board.post("m1", parse_outage_notice(fault))
    board.post("m2", parse_outage_notice(example(examples_dir, "valid-planned-work")))
    assert {e.notice.notice_id: e.unread for e in board.entries("A1")} == {
        "FLT-20261123-0007": True, "ADJ-20261122-0012": True}
    mark = board.mark_read("A1", "FLT-20261123-0007")
    assert mark is not None and (mark.revision, mark.unread) == (1, False)
    assert {e.notice.notice_id: e.unread for e in board.entries("A1")}["FLT-20261123-0007"] is False
    assert all(e.unread for e in board.entries("B2"))  # another agent's marks are its own
    board.post("m3", parse_outage_notice(revised(fault, 2)))
    assert {e.notice.notice_id: e.unread for e in board.entries("A1")}["FLT-20261123-0007"] is True
    assert board.mark_read("A1", "FLT-20991231-0001") is None


def test_area_filter_matches_any_affected_area(board: BulletinBoard, examples_dir: Path) -> None:
    board.post("m1", parse_outage_notice(example(examples_dir, "valid-fault")))  # 0755
    board.post("m2", parse_outage_notice(example(examples_dir, "valid-planned-work")))  # 0571, 0572
    assert [e.notice.notice_id for e in board.entries("A1", area="0572")] == ["ADJ-20261122-0012"]
    assert [e.notice.notice_id for e in board.entries("A1", area="0755")] == ["FLT-20261123-0007"]
    assert board.entries("A1", area="010") == []


def test_the_consumer_posts_each_notice_once_and_dead_letters_an_inconsistent_one(
        board: BulletinBoard, examples_dir: Path) -> None:
    client = WorkerTestClient(handlers, consumer="bulletin", dependencies={"bulletin": board})
    sent = Envelope("hub-m-0001", "nsp.OutageNotice", "NSP", example(examples_dir, "valid-fault"))
    result = client.send(sent)
    assert result.processed and result.final.outcome == "raised FLT-20261123-0007 r1"
    assert client.send(sent).duplicate
    assert board.applied() == 1
    bad = example(examples_dir, "valid-planned-work").decode()
    bad = re.sub(r"<nsp:AdjustmentKind>\w+</nsp:AdjustmentKind>", "", bad).encode()
    refused = client.send(Envelope("hub-m-0002", "nsp.OutageNotice", "NSP", bad))
    assert refused.dead and "AdjustmentKind" in (refused.final.reason or "")
    assert [e.notice.notice_id for e in board.entries("A1")] == ["FLT-20261123-0007"]


def test_the_same_revision_again_changes_nothing_unless_its_content_changed(board: BulletinBoard,
                                                                           examples_dir: Path) -> None:
    fault = example(examples_dir, "valid-fault")
    board.post("m1", parse_outage_notice(fault))
    board.mark_read("A1", "FLT-20261123-0007")
    assert board.post("m2", parse_outage_notice(fault)) == "unchanged"  # NSP sent it again under a new id
    assert [e.unread for e in board.entries("A1")] == [False]
    assert board.post("m3", parse_outage_notice(revised(fault, 1, title="now two base stations"))) == "updated"
    [entry] = board.entries("A1")
    assert (entry.notice.title, entry.unread) == ("now two base stations", True)
