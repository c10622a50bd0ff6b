"""The NSP emulator's notices carry the fault report's and information notice's own fields: a FAULT notice its
initiator and reply time (by default its contact, two hours after its start), its clearance the handler's result
feedback; a tester sets each, and the feedback and answer of an information notice."""

from __future__ import annotations

import pytest

from emulators.nsp import create_emulator
from emulators.nsp.notices import notice_document, parse_notice_spec
from emulators.toolkit import FakeClock, in_process_emulator
from emulators.toolkit.xmlcommand import validate_own
from hub.bulletin import parse_outage_notice

pytestmark = pytest.mark.unit

SPEC = {"title": "Fibre cut", "areas": ["0755"], "services": ["VOICE"], "wording": "A fibre cut ..."}
PLANNED = {**SPEC, "kind": "PLANNED_WORK", "adjustment_kind": "CUT_OVER",
           "customer_service_feedback": "Is data cut too?", "sender_answer": "Yes, for 5 minutes."}


def test_a_fault_notice_carries_its_initiator_and_reply_time_by_default() -> None:
    notice = parse_notice_spec(SPEC, now=1_764_000_000.0, notice_id="FLT-20261124-0001")
    document = notice_document(notice, message_id="nsp-test-0001", sent_at=1_764_000_000.0)
    validate_own(document)
    read = parse_outage_notice(document)
    assert read.initiator == "NMC duty officer"
    assert read.reply_time is not None and read.reply_time.startswith("2025-11-25T02:00:00")


def test_a_tester_sets_them() -> None:
    spec = {**SPEC, "initiator": "Optimisation Centre", "reply_time": "2026-11-23T12:30:00+08:00",
            "result_feedback": {"result": "Fixed", "handler": "Wang Lei", "phone": "13812345678",
                                "at": "2026-11-23T11:05:00+08:00"}}
    notice = parse_notice_spec(spec, now=1_764_000_000.0, notice_id="FLT-20261124-0001")
    read = parse_outage_notice(notice_document(notice, message_id="nsp-test-0001", sent_at=1_764_000_000.0))
    assert (read.initiator, read.feedback_handler, read.feedback_phone) == ("Optimisation Centre", "Wang Lei",
                                                                            "13812345678")
    assert read.reply_time == "2026-11-23T12:30:00.000+08:00"
    planned = parse_notice_spec(PLANNED, now=1_764_000_000.0, notice_id="ADJ-20261124-0001")
    read = parse_outage_notice(notice_document(planned, message_id="nsp-test-0002", sent_at=1_764_000_000.0))
    assert (read.customer_service_feedback, read.sender_answer, read.initiator) == (
        "Is data cut too?", "Yes, for 5 minutes.", None)


def test_the_clearance_carries_the_handlers_feedback_and_bad_ones_are_refused() -> None:
    with in_process_emulator(create_emulator(seed=1, reply_delay=0, clock=FakeClock())) as nsp:
        notice_id = nsp.http.post("/nsp/outages", json=SPEC).json()["notice_id"]
        cleared = nsp.http.post(f"/nsp/outages/{notice_id}/clear", json={"wording": "Restored"}).json()
        assert cleared["result_feedback"]["result"] == "Restored"
        assert cleared["result_feedback"]["handler"] == "NMC duty officer"
        other = nsp.http.post("/nsp/outages", json=SPEC).json()["notice_id"]
        given = nsp.http.post(f"/nsp/outages/{other}/clear", json={"result_feedback": {
            "result": "Board replaced", "handler": "Wang Lei", "phone": "13812345678"}}).json()
        assert given["result_feedback"]["handler"] == "Wang Lei"
        refused = nsp.http.post("/nsp/outages", json={**SPEC, "result_feedback": {"result": "x", "handler": "y"}})
        assert refused.status_code == 400 and "phone" in refused.text
        bad_phone = nsp.http.post("/nsp/outages", json={**SPEC, "result_feedback": {
            "result": "x", "handler": "y", "phone": "call Wang"}})
        assert bad_phone.status_code == 400
