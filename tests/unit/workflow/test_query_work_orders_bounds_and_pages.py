"""QueryWorkOrders: CreatedIn is inclusive at both ends (c:TimeRange), and the CreatedAt the hub answers (to the
microsecond, as stored) is a bound that finds its work order; keyset paging (After / Next) walks a listing without
repeats or gaps while work orders are created or change state between the pages; a replied work order's DueAt is
its return visit's deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import NS, SCHEMA, created, query, send
from tests.unit.workflow.kit import text

pytestmark = pytest.mark.unit


def ids(found: etree._Element) -> list[str]:
    return [e.text or "" for e in found.iterfind("wo:WorkOrder/wo:WorkOrderId", NS)]


def test_the_created_at_answered_bounds_a_search_at_both_ends(client: WorkerTestClient,
                                                             runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(microseconds=123456))  # a creation time off the millisecond
    work_order_id = created(client)
    shown = text(send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id), "wo:WorkOrder/wo:CreatedAt")
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and shown is not None
    assert shown == view.row["created_at"].isoformat(timespec="microseconds")
    for bounds in ((shown, shown), ("2026-11-01T00:00:00+08:00", shown)):
        found = query(client, created_in=bounds, Msisdn="13800138000")
        assert (text(found, "wo:Total"), ids(found)) == ("1", [work_order_id]), bounds
    listed = send(client, "CreateWorkOrder.valid.xml").find("wo:CustomerWorkOrder/wo:CreatedAt", NS)
    assert listed is not None and listed.text == shown  # the new complaint's answer lists it alike


def test_a_search_ending_just_before_the_creation_does_not_find_it(client: WorkerTestClient) -> None:
    created(client)  # at START, 2026-11-23T01:15:00Z
    found = query(client, created_in=("2026-11-01T00:00:00Z", "2026-11-23T01:14:59.999999Z"), Msisdn="13800138000")
    assert text(found, "wo:Total") == "0"


def test_keyset_pages_neither_repeat_nor_skip_while_orders_come_and_go(client: WorkerTestClient,
                                                                        runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    made = []
    for _ in range(5):
        runtime.clock.advance(timedelta(minutes=1))
        made.append(created(client))
    first = query(client, Msisdn="13800138000", State="ACCEPTED", PageSize="2")
    assert SCHEMA.validate(first), SCHEMA.error_log  # Next is the schema's
    assert ids(first) == made[:-3:-1]
    cursor = text(first, "wo:Next")
    assert cursor is not None
    runtime.clock.advance(timedelta(minutes=1))
    created(client)  # newer than every listed one: it must not shift the pages
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=made[4])  # leaves the filter, already listed
    second = query(client, Msisdn="13800138000", State="ACCEPTED", PageSize="2", After=cursor)
    assert ids(second) == [made[2], made[1]]
    third = query(client, Msisdn="13800138000", State="ACCEPTED", PageSize="2", After=text(second, "wo:Next") or "")
    assert ids(third) == [made[0]] and text(third, "wo:Next") is None  # not full: nothing follows


def test_a_replied_work_orders_due_time_is_its_return_visits(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    replied = send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    visit_due = text(replied, "wo:Deadlines/wo:ReturnVisitDue")
    assert visit_due is not None and visit_due != text(replied, "wo:Deadlines/wo:ReplyDue")
    one = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id).find("wo:WorkOrder", NS)
    many = query(client, Msisdn="13800138000").find("wo:WorkOrder", NS)
    for element in (one, many):
        assert element is not None
        assert text(element, "wo:DueAt") == visit_due == text(element, "wo:Deadlines/wo:ReturnVisitDue")
