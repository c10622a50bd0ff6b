"""NSP's answer to the hub's withdrawal (what became of its tickets) reaches the work order's history: the NSP
adapter tells the workflow (``workorder.NspWithdrawalNote``, the hub's own) and the workflow notes it (field
``nsp_withdrawal``), the state unchanged; from any other system it is refused (``not-from-hub``)."""

from __future__ import annotations

import uuid

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import SendResult, WorkerTestClient
from tests.unit.workflow.audit_kit import created, dispatch, send, state
from tests.unit.workflow.kit import EXAMPLES, text
from tests.unit.workflow.test_nsp_stale_reply import refused
from tests.unit.workflow.test_nsp_withdrawal import cancel

pytestmark = pytest.mark.unit

WO = "urn:onepoint:workorder:1"


def withdrawal_note(client: WorkerTestClient, work_order_id: str, source: str = "HUB") -> SendResult:
    document = etree.parse(str(EXAMPLES / "workorder" / "NspWithdrawalNote.valid.xml")).getroot()
    document.find(f"{{{WO}}}WorkOrderId").text = work_order_id
    return client.send(Envelope(f"hub-{uuid.uuid4().hex}", "workorder.NspWithdrawalNote", source,
                                etree.tostring(document)))


def test_nsps_answer_to_the_withdrawal_is_noted_on_the_work_order(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    cancel(client, work_order_id)
    assert withdrawal_note(client, work_order_id).processed
    assert state(client, work_order_id) == "CANCELLED"
    found = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    (entry,) = [e for e in found.iterfind("wo:WorkOrder/wo:History", {"wo": WO})
                if text(e, "wo:Field") == "nsp_withdrawal"]
    assert text(entry, "wo:NewValue") == "WITHDRAWN: NSP20261123000417"
    assert "NSP" in (text(entry, "wo:Note") or "")


def test_a_withdrawal_note_from_another_system_is_refused(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    refused(withdrawal_note(client, work_order_id, source="NSP"), "not-from-hub")
