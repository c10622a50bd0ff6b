"""``GET`` / ``POST /nsp/settings``: the NSP emulator's automatic reply switched off (and on) while it runs, as a
tester does before sending the WorkOrderAction examples in turn against ``scripts/dev run`` (the newcomer audit: the
reply after ``reply_delay`` took the dispatched work order to IN_PROGRESS, and ``valid-start.xml`` was refused)."""

from __future__ import annotations

import pytest

from emulators.nsp import create_emulator
from emulators.toolkit import FakeClock, in_process_emulator

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}
STARTED = {"auto_reply": True, "reply_delay": 5.0, "answer_known_faults": True}


def dispatch(examples_dir) -> bytes:
    return (examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_bytes()


def test_auto_reply_switched_off_leaves_the_dispatch_unanswered(examples_dir):
    clock = FakeClock()
    with in_process_emulator(create_emulator(seed=1, clock=clock)) as nsp:
        assert nsp.http.get("/nsp/settings").json() == STARTED
        changed = nsp.http.post("/nsp/settings", json={"auto_reply": False})
        assert changed.status_code == 200 and changed.json() == {**STARTED, "auto_reply": False}
        assert nsp.http.post("/xml", content=dispatch(examples_dir), headers=XML).status_code == 200
        clock.advance(60)
        state = nsp.state()
        assert state["scheduled"] == [] and [t["status"] for t in state["tickets"]] == ["acknowledged"]
        assert state["config"]["auto_reply"] is False
        ticket = state["tickets"][0]["ticket_id"]
        assert nsp.http.post(f"/nsp/tickets/{ticket}/reply", json={}).status_code == 200  # by hand, as ever


def test_switched_on_again_with_another_delay(examples_dir):
    with in_process_emulator(create_emulator(seed=1, auto_reply=False, clock=FakeClock())) as nsp:
        assert nsp.http.post("/nsp/settings", json={"auto_reply": True, "reply_delay": 30}).json()["reply_delay"] == 30
        nsp.http.post("/xml", content=dispatch(examples_dir), headers=XML)
        assert len(nsp.state()["scheduled"]) == 1


def test_a_reset_puts_back_the_settings_it_started_with():
    with in_process_emulator(create_emulator(seed=1, clock=FakeClock())) as nsp:
        nsp.http.post("/nsp/settings", json={"auto_reply": False, "answer_known_faults": False})
        nsp.reset()
        assert nsp.http.get("/nsp/settings").json() == STARTED


@pytest.mark.parametrize(("body", "named"), [
    ({"autoReply": False}, "'autoReply'"),
    ({"Auto_Reply": False}, "keys are lower case"),
    ({"auto_reply": "false"}, "'auto_reply' must be true or false"),
    ({"answer_known_faults": 0}, "'answer_known_faults' must be true or false"),
    ({"reply_delay": -1}, "'reply_delay'"),
    ({"reply_delay": True}, "'reply_delay'"),
    ({"reply_delay": 10 ** 400}, "'reply_delay'"),  # too large for a float: was a 500 OverflowError
    ({"reply_delay": 86_401}, "at most 86400"),
    ([], "JSON object"),
])
def test_a_wrong_setting_is_refused_naming_it_and_changes_nothing(body, named):
    with in_process_emulator(create_emulator(seed=1, clock=FakeClock())) as nsp:
        refused = nsp.http.post("/nsp/settings", json=body)
        assert refused.status_code == 400 and named in refused.json()["error"]
        assert nsp.http.get("/nsp/settings").json() == STARTED
