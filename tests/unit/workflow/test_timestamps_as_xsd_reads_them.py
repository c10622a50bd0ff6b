"""Every c:Timestamp of a work-order command is read as xs:dateTime defines it (hub.validation.instants): the
end-of-day form T24:00:00 is the next day's 00:00; a moment no datetime holds in UTC (years 1-9999) is refused
with 422 ``instant-out-of-range`` where the hub keeps it (OccurredAt, Until, VisitedAt), and taken as the calendar's
end where it only bounds a search (QueryWorkOrders' CreatedIn). Before, such a document failed in the store
(OverflowError: retried as transient, 504) or in ``datetime.fromisoformat`` (ValueError: dead-lettered, 502)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import created, query, send
from tests.unit.workflow.kit import C, text

pytestmark = pytest.mark.unit

EDGES = ("0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00", "-0044-03-15T12:00:00Z", "10000-01-01T00:00:00Z")


@pytest.mark.parametrize("occurred_at", EDGES)
def test_an_occurred_at_beyond_the_calendar_is_refused_by_code(client: WorkerTestClient, occurred_at: str) -> None:
    refused = send(client, "CreateWorkOrder.valid.xml", OccurredAt=occurred_at)
    assert refused.tag == f"{{{C}}}Error"
    assert text(refused, "c:Code") == "instant-out-of-range"
    assert occurred_at in (text(refused, "c:Message") or "")


@pytest.mark.parametrize("until", EDGES)
def test_a_suspension_until_beyond_the_calendar_is_refused_by_code(client: WorkerTestClient, until: str) -> None:
    work_order_id = created(client)
    refused = send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id,
                   **{"Suspend/wo:Until": until})
    assert text(refused, "c:Code") == "instant-out-of-range"


def test_a_visit_beyond_the_calendar_is_refused_by_code(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    refused = send(client, "WorkOrderAction.valid-callback.xml", WorkOrderId=work_order_id,
                   **{"Callback/wo:VisitedAt": "9999-12-31T23:59:59-05:00"})
    assert text(refused, "c:Code") == "instant-out-of-range"


def test_the_end_of_day_form_is_the_next_days_midnight(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client, OccurredAt="2026-11-22T24:00:00+08:00")
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["occurred_at"] == datetime(2026, 11, 22, 16, tzinfo=UTC)
    suspended = send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id,
                     **{"Suspend/wo:Until": "2026-11-26T24:00:00+08:00"})
    assert text(suspended, "wo:State") == "SUSPENDED"
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    assert [d["due_at"] for d in view.deadlines if d["kind"] == "SUSPENSION:RESUME"] == [
        datetime(2026, 11, 26, 16, tzinfo=UTC)]


@pytest.mark.parametrize(("start", "end"), [
    ("0001-01-01T00:00:00+08:00", "2030-01-01T00:00:00+08:00"),
    ("2020-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00"),
    ("-0044-03-15T12:00:00Z", "10000-01-01T00:00:00Z"),
    ("2026-11-22T24:00:00+08:00", "2026-11-23T24:00:00+08:00"),
])
def test_a_search_bounded_beyond_the_calendar_or_at_the_days_end_finds_its_work_orders(
        client: WorkerTestClient, start: str, end: str) -> None:
    work_order_id = created(client)  # at 2026-11-23T09:15+08:00
    found = query(client, created_in=(start, end), Msisdn="13800138000")
    assert text(found, "wo:Total") == "1", (start, end)
    assert text(found, "wo:WorkOrder/wo:WorkOrderId") == work_order_id
