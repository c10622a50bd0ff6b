"""A VIP or group customer's complaint escalated tells its account manager through CRM (``crm:NotifyAccountManager``),
as its creation and its reply do: a department's hand-up (ESCALATE) here, a breach in ``test_scheduler``. Before,
an escalation reached only the managers' OA to-dos, and the account manager who makes the personal return visit
heard nothing of it."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.effects import ESCALATION_NOTICE, escalation_notices
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import created, send
from tests.unit.workflow.kit import text

pytestmark = pytest.mark.unit

CRM = "{urn:onepoint:crm:1}"


def test_a_vip_complaint_handed_up_tells_its_account_manager(client: WorkerTestClient,
                                                             runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)  # the BOSS example: VIP_GOLD with an account manager
    since = len(client.sent)
    assert text(send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id,
                     **{"Escalate/wo:ToDepartment": "CS-ESCALATION"}), "wo:State") == "ESCALATED"
    sent = [(envelope.command_type, targets) for envelope, targets in client.sent[since:]]
    assert sent == [("oa.PushTodo", ("oa",)), ("crm.NotifyAccountManager", ("crm",))]
    notice = etree.fromstring(client.sent[-1][0].payload)  # validated against crm.xsd on its way out
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["account_manager_id"]
    assert notice.findtext(f"{CRM}AccountManagerId") == view.row["account_manager_id"]
    assert notice.findtext(f"{CRM}WorkOrderId") == work_order_id
    assert (notice.findtext(f"{CRM}Summary") or "").startswith("handed up to CS-ESCALATION: ")


ROW = {"id": "WO20261206AAAAAAAA", "ticket_type": "COMPLAINT", "tier": "GROUP_KEY_PERSON",
       "account_manager_id": "AM-0001"}


@pytest.mark.parametrize(("changes", "told"), [
    ({}, True),
    ({"tier": "VIP_DIAMOND"}, True),
    ({"tier": "OTHER_BRAND"}, False),  # an ordinary customer has no account manager to tell
    ({"tier": None}, False),  # no tier known (BOSS gave none)
    ({"account_manager_id": None}, False),  # none kept: the scheduler asks BOSS nothing
    ({"ticket_type": "INCIDENT"}, False),  # a mass incident: its children are the customers' complaints
])
def test_who_is_told_of_an_escalation(changes: dict[str, object], told: bool) -> None:
    notices = escalation_notices({**ROW, **changes}, "escalated to level 1 (SHIFT_LEADER): alarm")
    assert [(n.kind, n.details["account_manager"]) for n in notices] == ([(ESCALATION_NOTICE, "AM-0001")] if told
                                                                         else [])


def test_a_notice_after_the_return_visit_carries_no_reply_limit(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    """An AUTO_ANSWERED complaint is visited without a reply (its stale reply limit kept): the account manager's
    notice of a dissatisfied visit said `DueAt` as if a reply were still owed."""
    from datetime import UTC, datetime

    from hub.workflow.changes import FollowUp
    from hub.workflow.follow_ups import escalation_notice

    work_order_id = created(client)
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["reply_due"] is not None
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    row = {**view.row, "replied_at": None}
    details = {"reason": "dissatisfied", "account_manager": row["account_manager_id"]}
    owed = escalation_notice(FollowUp("crm-dissatisfied", row, details), now)
    assert owed.find(f"{CRM}DueAt") is not None  # while a reply is owed: its limit
    visited = escalation_notice(FollowUp("crm-dissatisfied", {**row, "return_visited_at": now}, details), now)
    assert visited.find(f"{CRM}DueAt") is None
