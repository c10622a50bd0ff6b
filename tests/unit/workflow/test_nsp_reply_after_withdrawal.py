"""NSP's reply that crosses the hub's withdrawal (the work order cancelled and withdrawn while NSP was answering)
is noted on the cancelled work order as a late answer (``nsp_late_reply``: NSP's ticket id, its text in the note),
the state unchanged, and the message settled, not dead-lettered; noted once. A reply for a work order finished
otherwise (closed, or cancelled without a withdrawal) is still refused (``callback-not-expected``)."""

from __future__ import annotations

import uuid

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import SendResult, WorkerTestClient
from tests.unit.workflow.audit_kit import NSP, created, dispatch, nsp_reply, send, state
from tests.unit.workflow.kit import EXAMPLES, C, text
from tests.unit.workflow.test_nsp_stale_reply import dispatch_ids, refused
from tests.unit.workflow.test_nsp_withdrawal import cancel, withdrawals

pytestmark = pytest.mark.unit

TICKET = "NSP20261123000417"  # NetworkComplaintReply.valid.xml's


def late_entries(client: WorkerTestClient, work_order_id: str) -> list[etree._Element]:
    found = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    return [entry for entry in found.iterfind("wo:WorkOrder/wo:History", {"wo": "urn:onepoint:workorder:1"})
            if text(entry, "wo:Field") == "nsp_late_reply"]


def again(client: WorkerTestClient, work_order_id: str) -> SendResult:
    """The same reply NSP sends again under a new MessageId."""
    return nsp_reply(client, work_order_id)


def test_a_reply_crossing_the_withdrawal_is_noted_on_the_cancelled_work_order(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    cancel(client, work_order_id)
    assert len(withdrawals(client)) == 1
    result = nsp_reply(client, work_order_id)
    assert result.processed and not result.dead, result.reason
    assert state(client, work_order_id) == "CANCELLED"
    (entry,) = late_entries(client, work_order_id)
    assert text(entry, "wo:NewValue") == TICKET
    reply = etree.parse(str(EXAMPLES / "nsp" / "NetworkComplaintReply.valid.xml")).getroot()
    note = text(entry, "wo:Note") or ""
    assert (reply.findtext(f"{{{NSP}}}Result") or "")[:40] in note and TICKET in note
    assert text(entry, "wo:System") == "NSP"
    assert again(client, work_order_id).processed
    assert len(late_entries(client, work_order_id)) == 1  # noted once


def test_a_reply_for_a_work_order_cancelled_without_a_withdrawal_is_still_refused(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    cancel(client, work_order_id)  # never dispatched: nothing was withdrawn
    refused(nsp_reply(client, work_order_id), "callback-not-expected")
    answered = created(client)
    dispatch(client, answered)
    assert nsp_reply(client, answered).processed
    cancel(client, answered)  # NSP had answered: no withdrawal
    refused(nsp_reply(client, answered), "callback-not-expected")




def test_a_reply_answering_another_work_orders_dispatch_is_refused_even_under_a_cancelled_ones_id(
        client: WorkerTestClient) -> None:
    """NSP answers B's ticket (correlated with B's dispatch) under cancelled work order A's id: refused
    ``wrong-work-order`` as for an open A, not noted on A as a late answer (audit: B's answer was lost silently)."""
    a, b = created(client), created(client, Msisdn="13900139000")
    dispatch(client, a)
    dispatch(client, b)
    (b_dispatch,) = dispatch_ids(client, b)
    cancel(client, a)
    assert len(withdrawals(client)) == 1
    document = etree.parse(str(EXAMPLES / "nsp" / "NetworkComplaintReply.valid.xml")).getroot()
    document.find(f"{{{NSP}}}WorkOrderId").text = a  # type: ignore[union-attr]  # NSP writes A's id ...
    document.find(f"{{{NSP}}}Header/{{{C}}}CorrelationId").text = b_dispatch  # type: ignore[union-attr]  # B's
    result = client.send(Envelope(f"nsp-{uuid.uuid4().hex[:16]}", "nsp.NetworkComplaintReply", "NSP",
                                  etree.tostring(document), correlation_id=b_dispatch))
    assert result.dead and "wrong-work-order" in (result.reason or ""), result.reason
    assert late_entries(client, a) == [] and state(client, b) == "DISPATCHED"
