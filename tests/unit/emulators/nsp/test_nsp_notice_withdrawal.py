"""The NSP emulator withdraws a notice it issued in error (``POST /nsp/outages/{id}/withdraw``, or a script's
``withdraw`` event): the next revision is sent WITHDRAWN, with ClearedAt and the tester's reason, and recorded in
the journal; a withdrawn notice is neither revised, cleared, withdrawn again nor given feedback (409)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from emulators.nsp import create_emulator
from emulators.nsp.notices import notice_document, parse_notice_spec
from emulators.nsp.script import load_script
from emulators.toolkit import FakeClock, in_process_emulator
from emulators.toolkit.xmlcommand import validate_own
from hub.bulletin import parse_outage_notice

pytestmark = pytest.mark.unit

SPEC = {"title": "Fibre cut", "areas": ["0755"], "services": ["VOICE"], "wording": "A fibre cut ..."}


def test_a_notice_is_withdrawn_as_its_next_revision_and_the_journal_records_it() -> None:
    with in_process_emulator(create_emulator(seed=1, auto_reply=False, clock=FakeClock())) as nsp:
        notice_id = nsp.http.post("/nsp/outages", json=SPEC).json()["notice_id"]
        response = nsp.http.post(f"/nsp/outages/{notice_id}/withdraw", json={"reason": "a faulty sensor"})
        assert response.status_code == 200, response.text
        withdrawn = response.json()
        assert (withdrawn["status"], withdrawn["revision"], withdrawn["withdrawal_reason"]) == (
            "WITHDRAWN", 2, "a faulty sensor")
        assert withdrawn["cleared_at"] is not None
        assert [s["status"] for s in withdrawn["sent"]] == ["ACTIVE", "WITHDRAWN"]
        assert [c["command"] for c in nsp.state()["callbacks"]] == ["OutageNotice", "OutageNotice"]
        nsp.assert_called("WithdrawOutage", times=1)
        for path, body in ((f"/nsp/outages/{notice_id}/withdraw", {}), (f"/nsp/outages/{notice_id}/clear", {}),
                           ("/nsp/outages", {**SPEC, "notice_id": notice_id})):
            refused = nsp.http.post(path, json=body)
            assert (refused.status_code, refused.json()["code"]) == (409, "notice-withdrawn"), path
        assert nsp.http.post(f"/nsp/outages/{notice_id}/withdraw", json={"why": "x"}).status_code == 400


def test_a_cleared_notice_may_still_be_withdrawn() -> None:
    with in_process_emulator(create_emulator(seed=1, auto_reply=False, clock=FakeClock())) as nsp:
        notice_id = nsp.http.post("/nsp/outages", json=SPEC).json()["notice_id"]
        nsp.http.post(f"/nsp/outages/{notice_id}/clear", json={})
        withdrawn = nsp.http.post(f"/nsp/outages/{notice_id}/withdraw", json={}).json()
        assert (withdrawn["status"], withdrawn["revision"], withdrawn["withdrawal_reason"]) == ("WITHDRAWN", 3, None)


def test_the_withdrawal_is_a_valid_outage_notice_the_hub_reads_withdrawn() -> None:
    notice = parse_notice_spec(SPEC, now=1_800_000_000.0, notice_id="FLT-20270115-0001")
    withdrawn = replace(notice, status="WITHDRAWN", cleared_at=1_800_000_600.0, revision=2,
                        withdrawal_reason="a faulty sensor")
    root = notice_document(withdrawn, message_id="nsp-test-000001", sent_at=1_800_000_600.0)
    validate_own(root)
    read = parse_outage_notice(root)
    assert (read.status, read.revision, read.withdrawal_reason) == ("WITHDRAWN", 2, "a faulty sensor")
    assert read.cleared_at is not None


def test_a_script_withdraws_a_notice_and_refuses_what_a_withdrawal_does_not_take() -> None:
    events = load_script([{"at": 1, "raise": "x", **SPEC}, {"at": 2, "withdraw": "x", "reason": "false alarm"}])
    assert [(e.action, e.spec) for e in events] == [("raise", SPEC), ("withdraw", {"reason": "false alarm"})]
    with pytest.raises(ValueError, match="unknown key 'title' in a withdraw event"):
        load_script([{"at": 1, "raise": "x", **SPEC}, {"at": 2, "withdraw": "x", "title": "t"}])
    with pytest.raises(ValueError, match="withdraw 'x' at \\+1 s comes before any raise"):
        load_script([{"at": 1, "withdraw": "x"}])


def test_feedback_on_a_withdrawn_notice_is_refused() -> None:
    from tests.unit.emulators.nsp.test_nsp_notice_feedback import PLANNED, XML, feedback

    with in_process_emulator(create_emulator(seed=1, reply_delay=0, clock=FakeClock())) as nsp:
        notice_id = nsp.http.post("/nsp/outages", json=PLANNED).json()["notice_id"]
        nsp.http.post(f"/nsp/outages/{notice_id}/withdraw", json={})
        refused = nsp.http.post("/xml", content=feedback(notice_id, "cs-20261124-093500-0013"), headers=XML)
        assert refused.status_code == 409 and b"notice-withdrawn" in refused.content


def test_a_scripted_withdrawal_is_sent_when_it_comes_due() -> None:
    import threading

    clock = FakeClock()
    script = [{"at": 1, "raise": "x", **SPEC}, {"at": 2, "withdraw": "x", "reason": "false alarm"}]
    with in_process_emulator(create_emulator(seed=1, auto_reply=False, clock=clock, schedule=script)) as nsp:
        clock.advance(3)
        wait = threading.Event()
        for _ in range(500):  # bounded wait for the scheduler thread
            notices = nsp.state()["notices"]
            if notices and notices[0]["status"] == "WITHDRAWN":
                break
            wait.wait(0.01)
        (notice,) = nsp.state()["notices"]
        assert (notice["status"], notice["revision"], notice["withdrawal_reason"]) == ("WITHDRAWN", 2, "false alarm")
