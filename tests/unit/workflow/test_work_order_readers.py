"""QueryWorkOrder answers a system other than the complaint front ends only the work orders the hub pushed it an
item of (``hub.workflow.work_order_readers``): OA those it has a to-do or to-read of (its grant is for its items'
links), NSP those dispatched to it, any other system none; CS any. One it may not read is answered as an unknown
work order, word for word. Before, OA's credential read any work order by id, the customer's numbers and whole
history included."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import SendResult, WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.store.oa_items import has_oa_item
from hub.workflow.work_order_readers import may_read
from tests.unit.workflow.audit_kit import created, dispatch, send
from tests.unit.workflow.kit import WO, C, command, text

pytestmark = pytest.mark.unit

UNKNOWN = "WO20261123ZZZZZZZZ"  # no such work order


def query_as(client: WorkerTestClient, system: str, work_order_id: str) -> SendResult:
    """QueryWorkOrder of ``work_order_id`` sent by ``system`` (its Header/SourceSystem, as the ingress admits it)."""
    document, _ = command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    message_id = f"{system.lower()}-{uuid.uuid4().hex[:16]}"
    document.find(f"{{{WO}}}Header/{{{C}}}MessageId").text = message_id
    document.find(f"{{{WO}}}Header/{{{C}}}SourceSystem").text = system
    return client.request(Envelope(message_id, "workorder.QueryWorkOrder", system, etree.tostring(document)))


def answered(result: SendResult, work_order_id: str) -> bool:
    if result.reply is None:
        return False
    return text(etree.fromstring(result.reply), "wo:WorkOrder/wo:WorkOrderId") == work_order_id


def not_found(result: SendResult, work_order_id: str) -> bytes:
    """The refusal (c:Error) of an unknown work order, with the id put back as ``ID``: one of an existing work order
    the caller may not read is the same, byte for byte."""
    assert result.outcome == "rejected: unknown-work-order" and result.reply is not None, result.outcome
    return result.reply.replace(work_order_id.encode(), b"ID")


def test_oa_is_answered_a_work_order_it_has_a_to_do_of(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id, to_system="BOSS")  # a department reached through OA: its to-do <id>-dsp1
    assert answered(query_as(client, "OA", work_order_id), work_order_id)


def test_oa_is_answered_a_work_order_escalated_to_one_of_its_users(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)  # the to-do <id>-esc1-0
    assert answered(query_as(client, "OA", work_order_id), work_order_id)


def test_oa_is_answered_a_work_order_it_has_a_to_read_of(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)  # to NSP: no OA item yet
    not_found(query_as(client, "OA", work_order_id), work_order_id)
    send(client, "WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id)  # the owner's to-read
    assert any(e.command_type == "oa.PushToRead" for e, _ in client.sent)
    assert answered(query_as(client, "OA", work_order_id), work_order_id)


def test_oa_is_answered_as_for_an_unknown_work_order_without_an_item(client: WorkerTestClient) -> None:
    work_order_id = created(client)  # ACCEPTED, never dispatched or escalated: OA holds no item of it
    refused = query_as(client, "OA", work_order_id)
    assert not_found(refused, work_order_id) == not_found(query_as(client, "OA", UNKNOWN), UNKNOWN)
    assert b"13800138000" not in (refused.reply or b"")


def test_the_complaint_front_end_is_answered_any_work_order(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    assert answered(query_as(client, "CS", work_order_id), work_order_id)
    not_found(query_as(client, "CS", UNKNOWN), UNKNOWN)


def test_nsp_only_a_work_order_dispatched_to_it_and_other_systems_none(client: WorkerTestClient) -> None:
    kept, dispatched = created(client), created(client)
    dispatch(client, dispatched)  # the example's ToSystem: NSP
    assert answered(query_as(client, "NSP", dispatched), dispatched)
    not_found(query_as(client, "NSP", kept), kept)
    for system in ("CRM", "BOSS", "DSMP", "MAIL"):
        not_found(query_as(client, system, dispatched), dispatched)


def test_an_item_the_scheduler_pushes_lets_oa_read_its_work_order(client: WorkerTestClient,
                                                                   runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and isinstance(runtime.clock, ManualClock)
    not_found(query_as(client, "OA", work_order_id), work_order_id)
    runtime.clock.set(view.row["first_response_due"] + timedelta(seconds=1))  # breached: a role of the chain told
    done = DeadlineScheduler(runtime, client.outbound, batch=50).run_pass()
    assert {"PushTodo", "PushToRead"} & set(done.sent), done.sent
    assert answered(query_as(client, "OA", work_order_id), work_order_id)


def test_the_rule_is_one_read_of_the_store(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    with_item, without = created(client), created(client)
    dispatch(client, with_item, to_system="BOSS")
    with runtime.store.engine.connect() as db:
        assert has_oa_item(db, with_item) and not has_oa_item(db, without)
        assert [may_read(db, "OA", w) for w in (with_item, without, UNKNOWN)] == [True, False, False]
        assert [may_read(db, "CS", w) for w in (with_item, without, UNKNOWN)] == [True, True, True]
        assert not may_read(db, "CRM", with_item)


def listed_as(client: WorkerTestClient, system: str, **filters: str) -> tuple[int, list[str]]:
    """QueryWorkOrders (no filter, or ``filters`` as child elements) sent by ``system``: (total, ids listed)."""
    document, _ = command("QueryWorkOrders.valid-no-filter.xml")
    document.find(f"{{{WO}}}Header/{{{C}}}MessageId").text = f"{system.lower()}-{uuid.uuid4().hex[:16]}"
    document.find(f"{{{WO}}}Header/{{{C}}}SourceSystem").text = system
    for local, value in filters.items():
        etree.SubElement(document, f"{{{WO}}}{local}").text = value
    result = client.request(Envelope(uuid.uuid4().hex, "workorder.QueryWorkOrders", system,
                                     etree.tostring(document)))
    assert result.reply is not None, result.outcome
    reply = etree.fromstring(result.reply)
    total = text(reply, "wo:Total")
    ids = [e.text or "" for e in reply.iter(f"{{{WO}}}WorkOrderId")]
    return int(total or -1), ids


def test_query_work_orders_lists_and_counts_only_what_the_system_may_read(client: WorkerTestClient) -> None:
    """A ``workorder.*`` grant gives QueryWorkOrders too: before, OA (or NSP) given it listed every customer's work
    orders, numbers and all; now each system is listed, and counted, what it may read with QueryWorkOrder."""
    plain, to_oa, to_nsp = created(client), created(client), created(client)
    dispatch(client, to_oa, to_system="BOSS")  # a department reached through OA: its to-do
    dispatch(client, to_nsp)
    total, ids = listed_as(client, "CS")
    assert total == 3 and set(ids) == {plain, to_oa, to_nsp}
    assert listed_as(client, "OA") == (1, [to_oa])
    assert listed_as(client, "NSP") == (1, [to_nsp])
    assert listed_as(client, "NSP", Msisdn="13800138000") == (1, [to_nsp])  # the scope holds beside a filter
    assert listed_as(client, "OA", Category="01") == (1, [to_oa])  # and on the category's merged walks
    for system in ("CRM", "BOSS", "DSMP", "MAIL"):
        assert listed_as(client, system) == (0, [])
