"""CreateWorkOrder's list of the customer's work orders and QueryWorkOrders by number: an open complaint is listed
however many newer ones were finished, and a mass complaint's incident, which carries the first complainant's number
as its reporting number, is not answered as that customer's own (docs/work-order-queries.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import NS, created, query, send
from tests.unit.workflow.kit import text

pytestmark = pytest.mark.unit


def manual(runtime: WorkflowRuntime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def test_an_open_complaint_behind_twenty_newer_cancelled_ones_is_still_listed(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    old_open = created(client)
    manual(runtime).advance(timedelta(days=8))  # beyond the repeat window: listed because it is open
    for _ in range(20):
        manual(runtime).advance(timedelta(hours=1))
        send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=created(client, CategoryCode="02.01.01"))
    manual(runtime).advance(timedelta(hours=1))
    answer = send(client, "CreateWorkOrder.valid.xml", CategoryCode="03.01.01")
    listed = [(text(e, "wo:WorkOrderId"), text(e, "wo:State")) for e in answer.iterfind("wo:CustomerWorkOrder", NS)]
    assert len(listed) == 20 and listed[-1] == (old_open, "ACCEPTED")  # newest first: the open one is the oldest
    assert [state for _, state in listed[:-1]] == ["CANCELLED"] * 19


def test_an_incident_is_not_listed_as_the_first_complainants_own(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    for number in range(10):  # ten of one phenomenon at one intake point within 30 minutes: an incident opens
        manual(runtime).advance(timedelta(minutes=1))
        last = send(client, "CreateWorkOrder.valid.xml", Msisdn=f"1390000{number:04d}")
    incident = text(last, "wo:IncidentId")
    assert incident is not None
    manual(runtime).advance(timedelta(hours=1))
    later = send(client, "CreateWorkOrder.valid.xml", Msisdn="13900000000", CategoryCode="03.01.01")
    listed = [text(e, "wo:WorkOrderId") for e in later.iterfind("wo:CustomerWorkOrder", NS)]
    found = query(client, Msisdn="13900000000")
    by_number = [(text(w, "wo:WorkOrderId"), text(w, "wo:TicketType")) for w in found.iterfind("wo:WorkOrder", NS)]
    assert incident not in listed and len(listed) == 1
    assert text(found, "wo:Total") == "2" and {kind for _, kind in by_number} == {"COMPLAINT"}
    shown = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=incident)  # still there, by its id
    assert text(shown, "wo:WorkOrder/wo:TicketType") == "INCIDENT"
