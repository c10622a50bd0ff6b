"""A work order cancelled while NSP holds it is withdrawn at NSP, through the whole running system on memory:// (as
test_complaint_end_to_end.py: the hub's ingress, broker and workers, the emulators over HTTP): the hotline's Cancel
→ the workflow's ``nsp.NetworkComplaintWithdraw`` → the NSP adapter → the NSP emulator, whose ticket is withdrawn
and whose scheduled reply never comes. A work order cancelled before any dispatch sends NSP nothing."""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from hub.workers import DeadLetterQueues
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    CATEGORY,
    HotlineAgent,
    seeded_emulators,
    settle,
    text,
    vip_with_account_manager,
)

pytestmark = pytest.mark.integration

REPLY_DELAY = 6.0  # seconds before NSP would reply on its own: the cancel reaches it well before


def test_a_cancel_withdraws_the_dispatch_nsp_holds_and_no_reply_comes(tmp_path: Path, emulator_factory: Any,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "withdrawal-e2e-audit-key-0123456789abcdefghij")
    monkeypatch.chdir(tmp_path)
    seeded = seeded_emulators(emulator_factory, nsp_replies=True)

    def start_emulator(name: str, **options: Any) -> Any:
        if name == "nsp":
            options.update(reply_delay=REPLY_DELAY)  # NSP replies on its own, unless withdrawn first
        return seeded(name, **options)

    vip = vip_with_account_manager()
    complaint = {"Msisdn": vip.msisdn, "ContactNumber": vip.msisdn, "CategoryCode": CATEGORY,
                 "Area/c:AreaCode": vip.area_code, "Area/c:District": vip.district}
    with running_system("memory://", tmp_path, start_emulator, CALM) as hub, closing(HotlineAgent(hub)) as agent:
        nsp = hub.emulators["nsp"]

        # -- cancelled before any dispatch: nothing for NSP ------------------------------------------------------
        never = text(agent.answered(agent.document("CreateWorkOrder.valid.xml", **complaint)), "wo:WorkOrderId")
        assert text(agent.act("WorkOrderAction.valid-cancel.xml", never), "wo:State") == "CANCELLED"

        # -- dispatched, NSP opens a ticket, then cancelled: the ticket is withdrawn -----------------------------
        held = text(agent.answered(agent.document("CreateWorkOrder.valid.xml", **complaint)), "wo:WorkOrderId")
        assert text(agent.dispatch(held), "wo:State") == "DISPATCHED"
        (ticket,) = settle(lambda: [t for t in nsp.state()["tickets"] if t["work_order_id"] == held],
                           "NSP to open a ticket for the dispatch")
        opened = time.monotonic()
        assert text(agent.act("WorkOrderAction.valid-cancel.xml", held), "wo:State") == "CANCELLED"
        withdrawn = settle(lambda: next((t for t in nsp.state()["tickets"]
                                         if t["ticket_id"] == ticket["ticket_id"] and t["status"] == "withdrawn"),
                                        None), "NSP to withdraw the ticket")
        assert time.monotonic() - opened < REPLY_DELAY, "the withdrawal came after NSP's reply was due"
        assert withdrawn["withdrawal"]["reason"] == "Customer withdrew: the calls work again"
        assert withdrawn["withdrawal"]["withdrawn_by"] == "agent-1024"
        (kept,) = nsp.state()["withdrawals"]
        assert (kept["work_order_id"], kept["known"], kept["outcome"]) == (held, True, "WITHDRAWN")

        # -- NSP's reply was due: none came, and the never-dispatched work order was never named -------------------
        time.sleep(max(0.0, opened + REPLY_DELAY + 1.5 - time.monotonic()))
        state = nsp.state()
        assert [t["reply"] for t in state["tickets"]] == [None] and state["callbacks"] == []
        assert "reply:" not in " ".join(state["scheduled"])
        nsp.assert_called("NetworkComplaintWithdraw", times=1)  # the held work order's only
        nsp.assert_called("NetworkComplaintWithdraw", times=1, xpath=f"//*[local-name()='WorkOrderId']='{held}'")
        nsp.assert_called("NetworkComplaintDispatch", times=1)
        work_order = agent.query(held)
        dead = DeadLetterQueues(hub.broker).counts()

    assert text(work_order, "wo:State") == "CANCELLED"
    assert not any(dead.values()), dead  # the withdrawal was taken, nothing dead-lettered
