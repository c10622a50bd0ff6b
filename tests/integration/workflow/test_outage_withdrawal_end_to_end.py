"""A notice NSP withdraws as issued in error, through the whole running system on memory:// (docs/outages.md
"Withdrawal: not an outage"): the NSP emulator raises a fault notice and withdraws it (its admin API), the
withdrawal comes back through the hub's XML ingress to every consumer of the broadcast. The complaint linked late
and the one answered at intake are unlinked (never told of a recovery), their owners told in OA; the answered one is
back on its reply limit; a complaint taken after it is handled as usual; the bulletin shows the notice withdrawn,
CRM was told it withdrawn. Nothing is dead-lettered.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.workers import DeadLetterQueues
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    CATEGORY,
    NS,
    HotlineAgent,
    history,
    seeded_emulators,
    settle,
    text,
    vip_with_account_manager,
)
from tests.integration.workflow.test_outage_end_to_end import WORDING, notice_status

pytestmark = pytest.mark.integration

REASON = "The alarm came from a faulty sensor: the base station never went down."


def bulletin_status(path: Path, notice_id: str) -> str | None:
    """NSP's status of the notice as the bulletin keeps it (its board file, read beside the running hub)."""
    if not path.exists():
        return None
    with closing(sqlite3.connect(path)) as connection:
        found = connection.execute("SELECT notice FROM notices WHERE notice_id = ?", (notice_id,)).fetchone()
    return None if found is None else str(json.loads(found[0])["status"])


def test_a_notice_nsp_withdraws_unlinks_its_complaints_everywhere(tmp_path: Path, emulator_factory: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "workflow-e2e-audit-key-0123456789abcdefghij")
    monkeypatch.chdir(tmp_path)
    vip = vip_with_account_manager()
    database = tmp_path / "workorders.db"
    area = {"Area/c:AreaCode": vip.area_code, "Area/c:District": vip.district}

    def complaint(example: str = "CreateWorkOrder.valid.xml") -> Any:
        return agent.answered(agent.document(
            example, Msisdn=vip.msisdn, ContactNumber=vip.msisdn, CategoryCode=CATEGORY,
            OccurredAt=datetime.now(UTC).isoformat(timespec="seconds"), **area))

    with running_system("memory://", tmp_path, seeded_emulators(emulator_factory), CALM) as hub, \
            closing(HotlineAgent(hub)) as agent:
        nsp, oa, crm = hub.emulators["nsp"], hub.emulators["oa"], hub.emulators["crm"]
        linked_id = text(complaint(), "wo:WorkOrderId")
        raised = nsp.http.post("/nsp/outages", json={
            "kind": "FAULT", "title": "Base station out of service", "areas": [vip.area_code],
            "services": ["VOICE", "DATA"], "wording": WORDING,
            "start": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()})
        assert raised.status_code == 201, raised.text
        notice_id = raised.json()["notice_id"]
        settle(lambda: notice_status(database, notice_id) == "ACTIVE", "the workflow to keep the notice")
        settle(lambda: text(agent.query(linked_id), "wo:OutageNoticeId") == notice_id, "the late link")
        answered = complaint("CreateWorkOrder.valid-dispatch-at-intake.xml")
        answered_id = text(answered, "wo:WorkOrderId")
        assert text(answered, "wo:State") == "AUTO_ANSWERED"
        assert answered.find("wo:Deadlines/wo:ReplyDue", NS) is None

        # -- NSP withdraws it: there was no outage ----------------------------------------------------------------
        withdrawn = nsp.http.post(f"/nsp/outages/{notice_id}/withdraw", json={"reason": REASON})
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["status"] == "WITHDRAWN"
        settle(lambda: notice_status(database, notice_id) == "WITHDRAWN", "the workflow to keep the withdrawal")
        for work_order_id in (linked_id, answered_id):
            told = (f"//*[local-name()='WorkOrderId']='{work_order_id}' and "
                    "contains(//*[local-name()='Summary'], 'withdrawn')")
            settle(lambda xpath=told: oa.admin.count("PushToRead", xpath=xpath), f"OA to tell {work_order_id}'s owner")
        linked, answered = agent.query(linked_id), agent.query(answered_id)
        settle(lambda: bulletin_status(tmp_path / "bulletin.db", notice_id) == "WITHDRAWN",
               "the bulletin to show the notice withdrawn")
        settle(lambda: crm.admin.count("NotifyAreaOutage", xpath="//*[local-name()='Status']='WITHDRAWN'"),
               "CRM to be told the notice was withdrawn")
        after = complaint()
        dead = DeadLetterQueues(hub.broker).counts()

    for work_order in (linked, answered):
        assert work_order.find("wo:OutageNoticeId", NS) is None
        unlinked = [e for e in history(work_order) if e.get("Action") == "OUTAGE_UNLINKED"]
        assert len(unlinked) == 1 and "withdrawn as not an outage" in unlinked[0]["Note"]
        assert "REPLY" not in [e.get("Action") for e in history(work_order)]
    assert text(linked, "wo:State") == "ACCEPTED" and text(answered, "wo:State") == "AUTO_ANSWERED"
    assert answered.find("wo:Deadlines/wo:ReplyDue", NS) is not None  # back on its reply limit
    assert after.find("wo:OutageNoticeId", NS) is None and text(after, "wo:State") != "AUTO_ANSWERED"
    assert {"workflow", "nsp", "oa", "crm"} <= set(dead) and not any(dead.values()), dead
