"""A hand-up (ESCALATE to a department on another calendar) or a dispatch to a department reached through OA moves
the work order's reply limit (its new owner's calendar). The commands the action owes carry the limit it set, the
one QueryWorkOrder shows: the account manager's CRM escalation notice (DueAt) and the department's OA to-do (Due),
as NSP's dispatch does (``test_nsp_dispatch_due``). Before, they were built from the work order as it was before
the limits were recomputed, and carried the old reply limit (2 to 2.5 hours off)."""

from __future__ import annotations

from datetime import datetime

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.changes import FollowUp
from hub.workflow.dispatch_effects import DEPARTMENT_TODO
from hub.workflow.effects import ESCALATION_NOTICE, with_new_deadlines
from tests.unit.workflow.audit_kit import created, dispatch, send
from tests.unit.workflow.kit import text

pytestmark = pytest.mark.unit

CRM = "{urn:onepoint:crm:1}"
OA = "{urn:onepoint:oa:1}"


def reply_due(client: WorkerTestClient, work_order_id: str) -> datetime:
    found = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    return datetime.fromisoformat(text(found, "wo:WorkOrder/wo:Deadlines/wo:ReplyDue") or "")


def sent_since(client: WorkerTestClient, since: int, command_type: str) -> list[etree._Element]:
    return [etree.fromstring(e.payload) for e, _ in client.sent[since:] if e.command_type == command_type]


def test_a_hand_up_tells_crm_and_oa_the_reply_limit_it_set(client: WorkerTestClient) -> None:
    work_order_id = created(client)  # the hotline's (7x24), VIP_GOLD with an account manager
    before = reply_due(client, work_order_id)
    since = len(client.sent)
    assert text(send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id,
                     **{"Escalate/wo:ToDepartment": "CS-ESCALATION"}), "wo:State") == "ESCALATED"
    after = reply_due(client, work_order_id)
    assert after != before  # the office calendar's limit (lunch break, evening): the test means something
    [notice] = sent_since(client, since, "crm.NotifyAccountManager")
    [todo] = sent_since(client, since, "oa.PushTodo")
    assert datetime.fromisoformat(notice.findtext(f"{CRM}DueAt") or "") == after
    assert datetime.fromisoformat(todo.findtext(f"{OA}Due") or "") == after


def test_a_dispatch_to_a_department_gives_its_to_do_the_reply_limit_it_set(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    before = reply_due(client, work_order_id)
    since = len(client.sent)
    assert text(dispatch(client, work_order_id, to_system="BOSS"), "wo:State") == "DISPATCHED"  # OA: NOC-PROV
    after = reply_due(client, work_order_id)
    assert after != before
    [todo] = sent_since(client, since, "oa.PushTodo")
    assert todo.findtext(f"{OA}UserId") == "NOC-PROV"
    assert datetime.fromisoformat(todo.findtext(f"{OA}Due") or "") == after


def test_only_the_work_orders_own_follow_ups_take_its_new_limits() -> None:
    ours = {"id": "WO1", "reply_due": "old"}
    other = FollowUp(ESCALATION_NOTICE, {"id": "WO2", "reply_due": "theirs"}, {})
    moved = with_new_deadlines([FollowUp(DEPARTMENT_TODO, ours, {}), FollowUp(ESCALATION_NOTICE, ours, {}), other],
                               "WO1", {"reply_due": "new"})
    assert [f.work_order["reply_due"] for f in moved] == ["new", "new", "theirs"]
    assert ours["reply_due"] == "old"  # the row given is not changed under its other holders
    unchanged = [FollowUp(DEPARTMENT_TODO, ours, {})]
    assert with_new_deadlines(unchanged, "WO1", {})[0] is unchanged[0]  # nothing recomputed: nothing rebuilt
