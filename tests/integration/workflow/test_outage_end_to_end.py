"""Outage auto-answer through the whole running system (issue 13, points 1 and 6), on memory:// and on a real
RabbitMQ: the NSP emulator raises a fault notice (its admin API), the notice comes back through the hub's XML
ingress to the workflow; a complaint taken before it is linked and its owner told (OA's journal), a complaint of
the area taken after it is answered at intake (AUTO_ANSWERED, the notice's wording, never dispatched to NSP); when
NSP clears the notice both get the recovery wording and move on to the return visit. Nothing is dead-lettered.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.workers import DeadLetterQueues
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (  # noqa: F401 - broker_url: the fixture
    CALM,
    CATEGORY,
    HotlineAgent,
    broker_url,
    history,
    seeded_emulators,
    settle,
    text,
    vip_with_account_manager,
)

WORDING = "An equipment fault affects calls in your area; engineers are repairing it, service is back by 12:00."
RECOVERY = "The equipment fault in your area was repaired; restart your phone if calls still fail."


def notice_status(database: Path, notice_id: str) -> str | None:
    """The workflow's record of the notice (its SQLite store, read beside the running hub)."""
    with closing(sqlite3.connect(database)) as connection:
        found = connection.execute("SELECT status FROM outage_notices WHERE notice_id = ?", (notice_id,)).fetchone()
    return None if found is None else str(found[0])


def test_a_complaint_during_an_nsp_outage_is_answered_at_intake(broker_url: str, tmp_path: Path,  # noqa: F811
                                                                emulator_factory: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "workflow-e2e-audit-key-0123456789abcdefghij")
    monkeypatch.chdir(tmp_path)

    start_emulator = seeded_emulators(emulator_factory)

    vip = vip_with_account_manager()
    database = tmp_path / "workorders.db"
    area = {"Area/c:AreaCode": vip.area_code, "Area/c:District": vip.district}
    with running_system(broker_url, tmp_path, start_emulator, CALM) as hub, closing(HotlineAgent(hub)) as agent:
        nsp, oa = hub.emulators["nsp"], hub.emulators["oa"]
        before = agent.answered(agent.document(
            "CreateWorkOrder.valid.xml", Msisdn=vip.msisdn, ContactNumber=vip.msisdn, CategoryCode=CATEGORY,
            OccurredAt=datetime.now(UTC).isoformat(timespec="seconds"), **area))
        linked_id = text(before, "wo:WorkOrderId")
        assert text(before, "wo:State") == "ACCEPTED"

        # -- NSP raises a fault for the VIP's area (started a minute ago): the hub keeps it, links the open one -----
        raised = nsp.http.post("/nsp/outages", json={
            "kind": "FAULT", "title": "Base station out of service", "areas": [vip.area_code],
            "services": ["VOICE", "DATA"], "wording": WORDING,
            "start": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()})
        assert raised.status_code == 201, raised.text
        notice_id = raised.json()["notice_id"]
        settle(lambda: notice_status(database, notice_id) == "ACTIVE", "the workflow to keep the notice")
        linked = agent.query(linked_id)
        assert text(linked, "wo:OutageNoticeId") == notice_id
        told = f"//*[local-name()='WorkOrderId']='{linked_id}'"
        settle(lambda: oa.admin.count("PushToRead", xpath=told), "OA to get the owner's to-read")

        # -- a complaint of the area now: answered at intake with the notice's wording, not dispatched ------------
        created = agent.answered(agent.document(
            "CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn=vip.msisdn, ContactNumber=vip.msisdn,
            CategoryCode=CATEGORY, OccurredAt=datetime.now(UTC).isoformat(timespec="seconds"), **area))
        answered_id = text(created, "wo:WorkOrderId")
        assert text(created, "wo:State") == "AUTO_ANSWERED"
        assert (text(created, "wo:OutageNoticeId"), text(created, "wo:AutoAnswer")) == (notice_id, WORDING)
        assert created.find("wo:Deadlines/wo:ReplyDue", {"wo": "urn:onepoint:workorder:1"}) is None

        # -- NSP clears it: both replied with the recovery wording, on to the return visit -------------------------
        cleared = nsp.http.post(f"/nsp/outages/{notice_id}/clear", json={"wording": RECOVERY})
        assert cleared.status_code == 200, cleared.text
        for work_order_id in (answered_id, linked_id):
            settle(lambda wid=work_order_id: text(agent.query(wid), "wo:State") == "REPLIED",
                   f"the clearance to reply to {work_order_id}")
        answered, linked = agent.query(answered_id), agent.query(linked_id)
        assert notice_status(database, notice_id) == "CLEARED"
        dispatched = [t for t in nsp.state()["tickets"] if t["work_order_id"] in (answered_id, linked_id)]
        dead = DeadLetterQueues(hub.broker).counts()

    steps = [(e["Action"], e["State"], e.get("Note", "")) for e in history(answered) if "Field" not in e]
    assert [(action, state) for action, state, _ in steps] == [
        ("CREATE", "NEW"), ("ACCEPT", "ACCEPTED"), ("AUTO_ANSWER", "AUTO_ANSWERED"), ("REPLY", "REPLIED")]
    assert steps[2][2] == WORDING and RECOVERY in steps[3][2]
    assert RECOVERY in [e for e in history(linked) if e.get("Action") == "REPLY"][-1]["Note"]
    assert dispatched == []  # neither reached NSP as a dispatch
    assert {"workflow", "nsp", "oa"} <= set(dead) and not any(dead.values()), dead
