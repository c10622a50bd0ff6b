"""A VIP or group customer chasing an open complaint (Remind, 催办) tells the complaint's account manager through CRM
(``crm:NotifyAccountManager``, follow-up ``crm-reminded``, after the owner's OA to-read), due by the reply limit
while a reply is owed (domain audit: a VIP's manager was told of the complaint and its escalations, never that the
customer called back about it). Customers with no manager kept on the work order tell nobody."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.schema import work_orders
from tests.unit.workflow.audit_kit import created, dispatch, send
from tests.unit.workflow.kit import answer, command, envelope, text

pytestmark = pytest.mark.unit

CRM = "{urn:onepoint:crm:1}"
REASON = "Customer called back: the calls still drop at the Civic Center"


def notices(client: WorkerTestClient, since: int) -> list[tuple[str, etree._Element]]:
    return [(sent.message_id, etree.fromstring(sent.payload)) for sent, _ in client.sent[since:]
            if sent.command_type == "crm.NotifyAccountManager"]


def remind(client: WorkerTestClient, work_order_id: str) -> etree._Element:
    return send(client, "WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id, **{"Remind/wo:Reason": REASON})


def test_a_vip_customer_chasing_the_complaint_tells_the_account_manager(client: WorkerTestClient,
                                                                       runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)  # the BOSS example: VIP_GOLD with an account manager
    assert text(dispatch(client, work_order_id), "wo:State") == "DISPATCHED"
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["account_manager_id"]
    for call in (1, 2):
        before = len(client.sent)
        assert text(remind(client, work_order_id), "wo:State") == "DISPATCHED"
        [(_, notice)] = notices(client, before)  # validated against crm.xsd on its way out
        assert [sent.command_type for sent, _ in client.sent[before:]] == ["oa.PushToRead", "crm.NotifyAccountManager"]
        assert notice.findtext(f"{CRM}AccountManagerId") == view.row["account_manager_id"]
        assert notice.findtext(f"{CRM}WorkOrderId") == work_order_id
        summary = notice.findtext(f"{CRM}Summary") or ""
        assert summary.startswith(f"Customer called back (reminder {call}, by agent-1024): {REASON}"), summary
        assert notice.findtext(f"{CRM}DueAt") is not None  # the reply is still owed


def test_a_redelivered_remind_tells_the_manager_once(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    before = len(client.sent)
    document, message_id = command("WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id)
    for _ in range(2):
        answer(client.request(envelope(document, message_id)))
    assert len(notices(client, before)) == 1


def test_a_customer_without_an_account_manager_tells_nobody(client: WorkerTestClient,
                                                            runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    with runtime.store.engine.begin() as connection:  # as for a customer BOSS gave no manager
        connection.execute(work_orders.update().where(work_orders.c.id == work_order_id).values(
            account_manager_id=None))
    before = len(client.sent)
    assert text(remind(client, work_order_id), "wo:State") == "DISPATCHED"
    assert [sent.command_type for sent, _ in client.sent[before:]] == ["oa.PushToRead"]
