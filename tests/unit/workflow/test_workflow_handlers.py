"""The workflow's handlers through the worker pipeline (no broker): a complaint from creation to close, on SQLite.

BOSS's tier answer comes from the RecordingOutbound (the schema example: VIP_GOLD with an account manager); what
the handlers send (CRM notice, NSP dispatch) is validated and routed as on a broker and kept in ``client.sent``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import created, send
from tests.unit.workflow.kit import WO, C, act, answer, command, envelope, text

pytestmark = pytest.mark.unit


def without_fields(work_order_id: str, *names: str) -> tuple[etree._Element, str]:
    """The example Dispatch without its template fields ``names`` (all of them when none are named)."""
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    dispatch = document.find(f"{{{WO}}}Dispatch")
    assert dispatch is not None
    for field in dispatch.findall(f"{{{WO}}}Field"):
        if not names or field.get("name") in names:
            dispatch.remove(field)
    return document, message_id


def test_a_complaint_from_creation_to_close(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    document, message_id = command("CreateWorkOrder.valid.xml")
    created = answer(client.request(envelope(document, message_id)))
    work_order_id = text(created, "wo:WorkOrderId")
    assert work_order_id is not None
    assert text(created, "wo:State") == "ACCEPTED"
    assert text(created, "wo:Tier") == "VIP_GOLD"
    assert text(created, "wo:Priority") == "1"
    assert text(created, "wo:RepeatComplaint") == "false"
    assert text(created, "wo:Deadlines/wo:ReplyDue") is not None
    sent = [e.command_type for e, _ in client.sent]
    assert sent == ["boss.QueryCustomerTier", "crm.NotifyAccountManager"]  # VIP: the account manager is told

    refused = act(client, work_order_id, "WorkOrderAction.valid-close.xml")
    assert refused.tag == f"{{{C}}}Error"
    message = text(refused, "c:Message") or ""
    assert "Close is not allowed" in message  # named as the caller sends it (<wo:Close>)
    assert "ACCEPTED" in message

    dispatched = answer(client.request(envelope(*without_fields(work_order_id, "fault_time"))))
    assert dispatched.tag == f"{{{C}}}Error"  # the template wants a field the dispatch lacks
    assert "fault_time" in (text(dispatched, "c:Message") or "")

    moved = act(client, work_order_id, "WorkOrderAction.valid-dispatch.xml")  # the example: every field it wants
    assert text(moved, "wo:State") == "DISPATCHED"
    assert client.sent[-1][0].command_type == "nsp.NetworkComplaintDispatch"

    assert text(act(client, work_order_id, "WorkOrderAction.valid-reply.xml"), "wo:State") == "REPLIED"
    assert text(act(client, work_order_id, "WorkOrderAction.valid-callback.xml"), "wo:State") == "RETURN_VISITED"
    assert text(act(client, work_order_id, "WorkOrderAction.valid-close.xml"), "wo:State") == "CLOSED"

    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    actions = [h["action"] for h in view.history if h["kind"] == "state"]
    assert actions == ["CREATE", "ACCEPT", "DISPATCH", "REPLY", "RETURN_VISIT", "CLOSE"]
    refusals = [h for h in view.history if h["action"] == "DISPATCH_REFUSED"]
    assert len(refusals) == 1 and "fault_time" in refusals[0]["new_value"]
    assert view.deadlines == [] or all(d["fired_at"] is not None for d in view.deadlines)


def test_the_same_complaint_twice_is_one_work_order_and_the_same_answer(client: WorkerTestClient) -> None:
    document, message_id = command("CreateWorkOrder.valid.xml")
    first = client.request(envelope(document, message_id))
    again = client.request(envelope(document, message_id))
    assert again.duplicate
    assert again.reply == first.reply


def test_a_second_complaint_of_the_same_phenomenon_is_a_repeat(client: WorkerTestClient) -> None:
    first = answer(client.request(envelope(*command("CreateWorkOrder.valid.xml"))))
    second = answer(client.request(envelope(*command("CreateWorkOrder.valid.xml"))))
    assert text(second, "wo:RepeatComplaint") == "true"
    assert text(second, "wo:CustomerWorkOrder/wo:WorkOrderId") == text(first, "wo:WorkOrderId")


def test_the_answer_lists_old_open_work_orders_and_the_repeat_check_sees_past_the_list(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """The customer's open work orders are listed however old; the repeat mark looks at every complaint of the
    window, not only at the newest the answer has room for."""
    assert isinstance(runtime.clock, ManualClock)
    old = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId")
    runtime.clock.advance(timedelta(days=10))  # past the 7-day repeat window; still ACCEPTED: still a repeat
    first = answer(client.request(envelope(*command("CreateWorkOrder.valid.xml"))))
    assert text(first, "wo:RepeatComplaint") == "true"
    assert old in [e.text for e in first.iterfind(f"{{{WO}}}CustomerWorkOrder/{{{WO}}}WorkOrderId")]
    for _ in range(20):  # twenty complaints of another phenomenon fill the answer's list
        runtime.clock.advance(timedelta(minutes=1))
        other = answer(client.request(envelope(*command("CreateWorkOrder.valid.xml", CategoryCode="01.01.02"))))
        assert text(other, "wo:WorkOrderId") is not None
    runtime.clock.advance(timedelta(minutes=30))
    again = answer(client.request(envelope(*command("CreateWorkOrder.valid.xml"))))
    assert text(again, "wo:RepeatComplaint") == "true"
    listed = [e.text for e in again.iterfind(f"{{{WO}}}CustomerWorkOrder/{{{WO}}}WorkOrderId")]
    assert len(listed) == 20 and text(first, "wo:WorkOrderId") not in listed


def test_an_unknown_category_is_refused_by_name(client: WorkerTestClient) -> None:
    refused = answer(client.request(envelope(*command("CreateWorkOrder.valid.xml", CategoryCode="99.99.99"))))
    assert refused.tag == f"{{{C}}}Error"
    assert text(refused, "c:Code") == "unknown-category"
    assert "99.99.99" in (text(refused, "c:Message") or "")


def test_pending_pauses_the_clock_and_the_deadline_moves(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    created = answer(client.request(envelope(*command("CreateWorkOrder.valid.xml"))))
    work_order_id = text(created, "wo:WorkOrderId") or ""
    reply_due = datetime.fromisoformat(text(created, "wo:Deadlines/wo:ReplyDue") or "")
    suspended = act(client, work_order_id, "WorkOrderAction.valid-suspend.xml")
    assert text(suspended, "wo:State") == "SUSPENDED"
    assert text(suspended, "wo:Deadlines/wo:Paused") == "true"
    assert text(suspended, "wo:Deadlines/wo:ReplyDue") is None
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(hours=1))  # the hotline's calendar is 7x24: an hour of credit
    resumed = act(client, work_order_id, "WorkOrderAction.valid-resume.xml")
    assert text(resumed, "wo:State") == "ACCEPTED"
    assert datetime.fromisoformat(text(resumed, "wo:Deadlines/wo:ReplyDue") or "") == reply_due + timedelta(hours=1)


def test_leaving_a_pause_any_way_clears_it_and_a_paused_order_shows_no_due_time(client: WorkerTestClient) -> None:
    work_order_id = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId")
    assert work_order_id is not None
    for example in ("WorkOrderAction.valid-escalate.xml", "WorkOrderAction.valid-start.xml"):
        act(client, work_order_id, example)
    pending = act(client, work_order_id, "WorkOrderAction.valid-pend.xml")
    assert text(pending, "wo:State") == "PENDING" and text(pending, "wo:Deadlines/wo:Paused") == "true"
    shown = act(client, work_order_id, "QueryWorkOrder.valid.xml")
    assert text(shown, "wo:WorkOrder/wo:State") == "PENDING" and text(shown, "wo:WorkOrder/wo:DueAt") is None
    escalated = act(client, work_order_id, "WorkOrderAction.valid-escalate.xml")  # out of PENDING, not resumed
    assert text(escalated, "wo:State") == "ESCALATED" and text(escalated, "wo:Deadlines/wo:Paused") == "false"
    shown = act(client, work_order_id, "QueryWorkOrder.valid.xml")
    assert text(shown, "wo:WorkOrder/wo:DueAt") is not None


def test_the_return_visits_satisfaction_is_in_the_history_with_its_time(client: WorkerTestClient,
                                                                        runtime: WorkflowRuntime) -> None:
    work_order_id = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId")
    assert work_order_id is not None
    act(client, work_order_id, "WorkOrderAction.valid-reply.xml")
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(days=2))  # the example's VisitedAt (2026-11-24 10:12) lies in between
    assert text(act(client, work_order_id, "WorkOrderAction.valid-callback.xml"), "wo:State") == "RETURN_VISITED"
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["return_visited_at"] == datetime.fromisoformat("2026-11-24T10:12:00+08:00")
    [entry] = [h for h in view.history if h["field"] == "satisfaction"]
    assert (entry["new_value"], entry["actor"]) == ("SATISFIED", "rv-2207") and "2026-11-24T10:12" in entry["note"]


def test_query_work_orders_filters_by_category_area_and_tiers(client: WorkerTestClient) -> None:
    created = answer(client.request(envelope(*command("CreateWorkOrder.valid.xml"))))
    document, message_id = command("QueryWorkOrders.valid-category-area-tier.xml")
    for state in document.findall(f"{{{WO}}}State"):
        document.remove(state)
    document.remove(document.find(f"{{{WO}}}CreatedIn"))
    found = answer(client.request(envelope(document, message_id)))
    assert text(found, "wo:Total") == "1"
    assert text(found, "wo:WorkOrder/wo:WorkOrderId") == text(created, "wo:WorkOrderId")
    document, message_id = command("QueryWorkOrders.valid-category-area-tier.xml")
    for state in document.findall(f"{{{WO}}}State"):
        document.remove(state)
    document.remove(document.find(f"{{{WO}}}CreatedIn"))
    document.find(f"{{{WO}}}Category").text = "02"
    assert text(answer(client.request(envelope(document, message_id))), "wo:Total") == "0"


def test_query_work_order_has_the_history(client: WorkerTestClient) -> None:
    created = answer(client.request(envelope(*command("CreateWorkOrder.valid.xml"))))
    document, message_id = command("QueryWorkOrder.valid.xml", WorkOrderId=text(created, "wo:WorkOrderId") or "")
    found = answer(client.request(envelope(document, message_id)))
    assert [e.text for e in found.iterfind("wo:WorkOrder/wo:History/wo:Action", {"wo": WO})] == ["CREATE", "ACCEPT"]
    assert text(found, "wo:WorkOrder/wo:Tier") == "VIP_GOLD"



def test_a_complaint_with_its_templates_fields_is_dispatched_at_intake(client: WorkerTestClient) -> None:
    created = answer(client.request(envelope(*command("CreateWorkOrder.valid-dispatch-at-intake.xml"))))
    assert text(created, "wo:State") == "DISPATCHED"
    assert [e.command_type for e, _ in client.sent][-1] == "nsp.NetworkComplaintDispatch"
    document, message_id = command("CreateWorkOrder.valid-dispatch-at-intake.xml")
    document.remove(document.find(f"{{{WO}}}Field"))  # terminal_type missing: accepted, not dispatched
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "ACCEPTED"


def test_actions_and_refusals_are_counted_in_the_metrics(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    from hub.observability.metrics import Metrics

    runtime.metrics = metrics = Metrics()
    work_order_id = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId")
    client.request(envelope(*without_fields(work_order_id or "")))  # fields missing: refused
    act(client, work_order_id or "", "WorkOrderAction.valid-suspend.xml")
    assert metrics.value("onepoint_work_order_actions_total", action="CREATE") == 1
    assert metrics.value("onepoint_work_order_actions_total", action="SUSPEND") == 1
    assert metrics.value("onepoint_work_order_refusals_total", code="dispatch-incomplete") == 1


def test_the_work_order_id_carries_the_operators_date(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    accepted = clock.set(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))  # 07:30 on the 24th in Shanghai
    document, message_id = command("CreateWorkOrder.valid.xml")
    created = answer(client.request(replace(envelope(document, message_id), received_at=accepted)))
    assert (text(created, "wo:WorkOrderId") or "").startswith("WO20261124")


def test_a_return_visit_recorded_late_states_its_instants_in_the_operators_zone(client: WorkerTestClient,
                                                                               runtime: WorkflowRuntime) -> None:
    """The history is shown "times in Asia/Shanghai": its note says the visit and the recording so, to the second
    (before, ``recorded at 2026-11-23T16:10:00.250000+00:00`` beside a row of 2026-11-24 00:10)."""
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.set(datetime(2026, 11, 23, 15, 30, 0, 250_000, tzinfo=UTC))  # 23:30 in Shenzhen, a live clock's µs
    work_order_id = created(client)
    act(client, work_order_id, "WorkOrderAction.valid-reply.xml")
    runtime.clock.advance(timedelta(minutes=40))  # 00:10 on the 24th in Shenzhen
    visited = send(client, "WorkOrderAction.valid-callback.xml", WorkOrderId=work_order_id,  # the agent's PC ahead
                   **{"Callback/wo:VisitedAt": "2026-11-24T00:12:00+08:00"})
    assert text(visited, "wo:State") == "RETURN_VISITED"
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    [entry] = [h for h in view.history if h["field"] == "satisfaction"]
    assert entry["note"] == ("visited at 2026-11-24T00:12:00+08:00 by the caller's account (before the reply or "
                             "ahead of now): recorded at 2026-11-24T00:10:00+08:00")


def test_a_return_visit_given_in_utc_is_noted_in_the_operators_zone(client: WorkerTestClient,
                                                                     runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    act(client, work_order_id, "WorkOrderAction.valid-reply.xml")
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(days=2))
    send(client, "WorkOrderAction.valid-callback.xml", WorkOrderId=work_order_id,
         **{"Callback/wo:VisitedAt": "2026-11-24T02:12:00Z"})
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    [entry] = [h for h in view.history if h["field"] == "satisfaction"]
    assert entry["note"] == "visited at 2026-11-24T10:12:00+08:00"
