"""NSP's ``DueAt`` in NetworkComplaintDispatch is the agent's ``wo:Dispatch/DueAt`` when given, else the work order's
reply limit as the dispatch itself recomputed it (the owner it hands the work order to), the one QueryWorkOrder
shows: never the limit the work order had before it was dispatched."""

from __future__ import annotations

from datetime import datetime

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from tests.unit.workflow.audit_kit import NS, NSP, created, send
from tests.unit.workflow.kit import answer, command, envelope, text

pytestmark = pytest.mark.unit


def nsp_due(client: WorkerTestClient, work_order_id: str) -> datetime:
    """The DueAt of the (only) NetworkComplaintDispatch the hub sent for ``work_order_id``."""
    (due,) = [found.findtext(f"{{{NSP}}}DueAt") for e, _ in client.sent
              if e.command_type == "nsp.NetworkComplaintDispatch"
              and (found := etree.fromstring(e.payload)).findtext(f"{{{NSP}}}WorkOrderId") == work_order_id]
    return datetime.fromisoformat(due or "")


def reply_due(client: WorkerTestClient, work_order_id: str) -> datetime:
    found = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    return datetime.fromisoformat(text(found, "wo:WorkOrder/wo:Deadlines/wo:ReplyDue") or "")


def dispatched(client: WorkerTestClient, work_order_id: str, due_at: str | None) -> None:
    """The example Dispatch to NSP, with ``due_at`` as its DueAt, or none."""
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    element = document.find("wo:Dispatch/wo:DueAt", NS)
    assert element is not None
    if due_at is None:
        element.getparent().remove(element)
    else:
        element.text = due_at
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "DISPATCHED"


def test_the_agents_due_at_is_what_nsp_is_told(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatched(client, work_order_id, "2026-11-23T15:45:00+08:00")
    assert nsp_due(client, work_order_id) == datetime.fromisoformat("2026-11-23T15:45:00+08:00")


def test_without_one_nsp_is_told_the_reply_limit_the_dispatch_set(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatched(client, work_order_id, None)
    assert nsp_due(client, work_order_id) == reply_due(client, work_order_id)


def test_a_dispatch_at_intake_tells_nsp_the_reply_limit_the_work_order_has(client: WorkerTestClient) -> None:
    work_order_id = text(send(client, "CreateWorkOrder.valid-dispatch-at-intake.xml"), "wo:WorkOrderId") or ""
    assert nsp_due(client, work_order_id) == reply_due(client, work_order_id)
