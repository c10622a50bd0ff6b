"""The return visit's warning tells who makes the visit that it is owed (docs/lifecycle.md: the 7x24 hotline, the
intake department, records it; a VIP's or group customer's account manager makes it personally). Before, it went to
the owner the reply left (a network desk) saying the work order "is not answered yet", though it was answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.deadline_kit import act, clock, create, row

pytestmark = pytest.mark.unit
OA, CRM = "{urn:onepoint:oa:1}", "{urn:onepoint:crm:1}"


@pytest.mark.parametrize(("tier", "manager"), [("PREPAID", None), ("VIP_GOLD", "AM0001")])
def test_the_return_visits_warning_says_the_visit_is_owed_to_who_makes_it(
        runtime: WorkflowRuntime, client: WorkerTestClient, tier: str, manager: str | None) -> None:
    work_order_id = create(runtime, tier, manager=manager)
    act(runtime, work_order_id, A.DISPATCH)  # to NMC, the network desk
    act(runtime, work_order_id, A.START)
    act(runtime, work_order_id, A.REPLY, Cause="c", Action="a", Resolved="true")
    assert row(runtime, work_order_id)["owner"] == "NMC"
    before = len(client.sent)
    clock(runtime).set(row(runtime, work_order_id)["return_visit_due"] - timedelta(hours=1))  # past its warning
    assert DeadlineScheduler(runtime, client.outbound, batch=50).run_pass().warnings == 1
    sent = [(envelope.command_type, etree.fromstring(envelope.payload)) for envelope, *_ in client.sent[before:]]
    [(user, summary)] = [(document.findtext(f"{OA}UserId"), document.findtext(f"{OA}Summary") or "")
                         for kind, document in sent if kind == "oa.PushToRead"]
    assert user == "CUSTOMER_SERVICE"  # the hotline records the visit
    assert "was replied; a return visit is owed by then" in summary and "not answered" not in summary
    notices = [document for kind, document in sent if kind == "crm.NotifyAccountManager"]
    assert [n.findtext(f"{CRM}AccountManagerId") for n in notices] == ([manager] if manager else [])
    assert all("a return visit is owed" in (n.findtext(f"{CRM}Summary") or "") for n in notices)
