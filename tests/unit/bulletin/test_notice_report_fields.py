"""The fault report's (障碍申报单) and information notice's (信息报送单) own fields: read from the notice, kept on
the board and shown in the bulletin's JSON and XML; a notice without them is kept as before (a board's notice from
before them, sent again unchanged, stays unchanged)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from lxml import etree

from hub.bulletin import BulletinBoard, parse_outage_notice
from hub.bulletin.editions import stored_fields
from hub.bulletin.views import BULLETIN_NS, entry_json, notice_xml

pytestmark = pytest.mark.unit


def example(examples_dir: Path, name: str) -> bytes:
    return (examples_dir / "nsp" / f"OutageNotice.{name}.xml").read_bytes()


def test_the_fault_reports_fields_are_read(examples_dir: Path) -> None:
    raised = parse_outage_notice(example(examples_dir, "valid-fault-report"))
    assert (raised.initiator, raised.reply_time) == ("Wireless Optimisation Centre, Chen Jie",
                                                     "2026-11-23T12:30:00+08:00")
    cleared = parse_outage_notice(example(examples_dir, "valid-cleared-with-feedback"))
    assert (cleared.feedback_handler, cleared.feedback_phone, cleared.feedback_at) == (
        "Wang Lei", "13812345678", "2026-11-23T11:05:00+08:00")
    assert cleared.feedback_result is not None and cleared.feedback_result.startswith("Transmission board replaced")


def test_the_information_notices_feedback_and_answer_are_read(examples_dir: Path) -> None:
    notice = parse_outage_notice(example(examples_dir, "valid-planned-work-feedback"))
    assert notice.customer_service_feedback is not None and "Binjiang" in notice.customer_service_feedback
    assert notice.sender_answer is not None and notice.sender_answer.startswith("Data sessions drop")


def test_the_board_keeps_and_shows_them(tmp_path: Path, examples_dir: Path) -> None:
    board = BulletinBoard(tmp_path / "bulletin.db")
    try:
        board.post("m1", parse_outage_notice(example(examples_dir, "valid-fault-report")))
        board.post("m2", parse_outage_notice(example(examples_dir, "valid-cleared-with-feedback")))
        board.post("m3", parse_outage_notice(example(examples_dir, "valid-planned-work-feedback")))
        fault = board.notice("FLT-20261123-0008")
        cleared = board.notice("FLT-20261123-0007")
        planned = board.notice("ADJ-20261122-0012")
    finally:
        board.close()
    assert fault is not None and cleared is not None and planned is not None
    shown = entry_json(fault)
    assert (shown["initiator"], shown["reply_time"], shown["result_feedback"]) == (
        "Wireless Optimisation Centre, Chen Jie", "2026-11-23T12:30:00+08:00", None)
    assert entry_json(cleared)["result_feedback"] == {
        "result": "Transmission board replaced; calls and data tested at the Civic Center.", "handler": "Wang Lei",
        "phone": "13812345678", "at": "2026-11-23T11:05:00+08:00"}
    assert entry_json(planned)["sender_answer"].startswith("Data sessions drop")
    document = etree.fromstring(notice_xml(cleared))
    q = f"{{{BULLETIN_NS}}}"
    assert document.findtext(f"{q}ResultFeedback/{q}Handler") == "Wang Lei"
    assert document.findtext(f"{q}ResultFeedback/{q}Phone") == "13812345678"
    assert etree.fromstring(notice_xml(fault)).findtext(f"{q}Initiator") == "Wireless Optimisation Centre, Chen Jie"
    assert etree.fromstring(notice_xml(planned)).findtext(f"{q}CustomerServiceFeedback").startswith("Customers")


def test_a_notice_without_them_is_kept_as_before(examples_dir: Path) -> None:
    notice = parse_outage_notice(example(examples_dir, "valid-fault"))
    kept = json.loads(stored_fields(notice))
    before = {key: value for key, value in asdict(notice).items() if key != "sent_at"
              and key not in ("initiator", "reply_time", "feedback_result", "feedback_handler", "feedback_phone",
                              "feedback_at", "customer_service_feedback", "sender_answer", "withdrawal_reason")}
    assert kept == json.loads(json.dumps(before, ensure_ascii=False))
