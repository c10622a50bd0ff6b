"""A VIP or group customer's complaint cancelled tells its account manager through CRM (``crm:NotifyAccountManager``
saying ``Cancelled: <reason>``, no DueAt), after every other follow-up of the Cancel (account-manager audit: the
manager was told of the complaint and its escalations, never of its cancellation, and went on chasing it)."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.cancellation_notices import CANCEL_NOTICE, CancellationNotices
from hub.workflow.changes import Changed
from hub.workflow.commands import ActionRequest
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import created, send
from tests.unit.workflow.kit import START, text

pytestmark = pytest.mark.unit

CRM = "{urn:onepoint:crm:1}"


def test_a_vip_complaint_cancelled_tells_its_account_manager_last(client: WorkerTestClient,
                                                                  runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)  # the BOSS example: VIP_GOLD with an account manager
    assert text(send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id,
                     **{"Escalate/wo:ToDepartment": "CS-ESCALATION"}), "wo:State") == "ESCALATED"
    since = len(client.sent)
    assert text(send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id,
                     **{"Cancel/wo:Reason": "customer withdrew the complaint"}), "wo:State") == "CANCELLED"
    sent = [envelope.command_type for envelope, _ in client.sent[since:]]
    assert sent[-1] == "crm.NotifyAccountManager" and "oa.CompleteTodo" in sent  # the hand-up's to-do closed first
    notice = etree.fromstring(client.sent[-1][0].payload)  # validated against crm.xsd on its way out
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and notice.findtext(f"{CRM}AccountManagerId") == view.row["account_manager_id"]
    assert notice.findtext(f"{CRM}WorkOrderId") == work_order_id
    assert (notice.findtext(f"{CRM}Summary") or "").startswith("Cancelled: customer withdrew the complaint: ")
    assert notice.find(f"{CRM}DueAt") is None  # nothing is owed any more


ROW = {"id": "WO20261206AAAAAAAA", "ticket_type": "COMPLAINT", "tier": "GROUP_KEY_PERSON",
       "account_manager_id": "AM-0001", "state": "CANCELLED"}


@pytest.mark.parametrize(("changes", "action", "told"), [
    ({}, LifecycleAction.CANCEL, True),
    ({"tier": "VIP_DIAMOND"}, LifecycleAction.CANCEL, True),
    ({}, LifecycleAction.CLOSE, False),  # a close follows the return visit the manager made
    ({"tier": "OTHER_BRAND"}, LifecycleAction.CANCEL, False),  # an ordinary customer has no account manager
    ({"account_manager_id": None}, LifecycleAction.CANCEL, False),  # none kept: nobody to tell
    ({"ticket_type": "INCIDENT"}, LifecycleAction.CANCEL, False),  # a mass incident: its children are the complaints
])
def test_who_is_told_of_a_cancellation(changes: dict[str, object], action: LifecycleAction, told: bool) -> None:
    request = ActionRequest(ROW["id"], action, "agent-7", "HOTLINE", {"Reason": "taken in error"})
    changed = Changed({**ROW, **changes}, WorkOrderState.DISPATCHED, [])
    notices = CancellationNotices().changed(None, changed, request, START)  # type: ignore[arg-type]
    assert [(n.kind, n.details["account_manager"], n.details["reason"]) for n in notices] == (
        [(CANCEL_NOTICE, "AM-0001", "taken in error")] if told else [])
