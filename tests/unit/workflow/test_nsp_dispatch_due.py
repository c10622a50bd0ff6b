"""NSP's ``DueAt`` in NetworkComplaintDispatch is the agent's ``wo:Dispatch/DueAt`` when given, else the work order's
reply limit as the dispatch itself recomputed it (the owner it hands the work order to), the one QueryWorkOrder
shows: never the limit the work order had before it was dispatched. A DueAt that has passed (or is now) is refused
``due-not-future``, one more than 365 days ahead ``due-too-far``: NSP would be told a ticket overdue before it
exists, or owed in years; nothing is sent, the work order stays as it was."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from tests.unit.workflow.audit_kit import NS, NSP, SCHEMA, created, send, state
from tests.unit.workflow.kit import START, answer, command, envelope, text

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


def dispatch_due(client: WorkerTestClient, work_order_id: str, due_at: str | None) -> etree._Element:
    """The answer to the example Dispatch to NSP (which gives no DueAt), with ``due_at`` as its DueAt, or none."""
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    assert document.find("wo:Dispatch/wo:DueAt", NS) is None
    if due_at is not None:
        instructions = document.find("wo:Dispatch/wo:Instructions", NS)
        assert instructions is not None
        element = etree.Element(f"{{{NS['wo']}}}DueAt")
        element.text = due_at
        instructions.addnext(element)  # the schema's order: after the Instructions, before the fields
    assert SCHEMA.validate(document), SCHEMA.error_log
    return answer(client.request(envelope(document, message_id)))


def dispatched(client: WorkerTestClient, work_order_id: str, due_at: str | None) -> None:
    assert text(dispatch_due(client, work_order_id, due_at), "wo:State") == "DISPATCHED"


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


@pytest.mark.parametrize("due_at", [START - timedelta(days=365), START - timedelta(seconds=1), START])
def test_a_due_at_that_has_passed_is_refused(client: WorkerTestClient, due_at: datetime) -> None:
    work_order_id = created(client)
    refused = dispatch_due(client, work_order_id, due_at.isoformat())
    assert text(refused, "c:Code") == "due-not-future"
    message = text(refused, "c:Message") or ""
    assert due_at.isoformat() in message and message.endswith("(it is 2026-11-23T09:15:00+08:00)")
    assert state(client, work_order_id) == "ACCEPTED"
    assert not [e for e, _ in client.sent if e.command_type == "nsp.NetworkComplaintDispatch"]


def test_a_due_at_more_than_a_year_ahead_is_refused(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    refused = dispatch_due(client, work_order_id, "2027-11-23T09:15:01+08:00")  # 365 days and a second
    assert text(refused, "c:Code") == "due-too-far"
    assert "more than 365 days ahead, after 2027-11-23T09:15:00+08:00" in (text(refused, "c:Message") or "")
    assert state(client, work_order_id) == "ACCEPTED"
    dispatched(client, work_order_id, "2027-11-23T09:15:00+08:00")  # a year ahead to the second: taken
    assert nsp_due(client, work_order_id) == START + timedelta(days=365)
