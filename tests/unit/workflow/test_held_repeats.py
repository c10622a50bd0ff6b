"""A repeat held for the open complaint it repeats (docs/lifecycle.md, "A repeat complaint of an open work order";
``hub.workflow.held_repeats``): linked (``repeat_of``) and suspended, so its clock does not run; answered with the
open one's reply, visited and closed with it; released to the intake desk when the open one is cancelled; a later
call repeats the original. Held only for the same area (new facts elsewhere are dispatched), the reminder naming a
new fault place; a repeat of an incident's child is linked to the incident. Before, the held repeat stayed ACCEPTED
at the intake desk, breached and escalated every pass, and was never answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.audit_kit import NS, SCHEMA, history, query, send, state
from tests.unit.workflow.incident_kit import complain, nsp_dispatches
from tests.unit.workflow.kit import WO, C, answer, command, envelope, text
from tests.unit.workflow.test_statistics_counters import check_rebuild, measures

pytestmark = pytest.mark.unit

AT_INTAKE = "CreateWorkOrder.valid-dispatch-at-intake.xml"


def later(runtime: WorkflowRuntime, **delta: float) -> None:
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(**delta))


def held_pair(client: WorkerTestClient, runtime: WorkflowRuntime) -> tuple[str, str]:
    first = text(send(client, AT_INTAKE), "wo:WorkOrderId") or ""
    later(runtime, hours=1)
    second = send(client, AT_INTAKE)
    assert (text(second, "wo:RepeatOf"), text(second, "wo:State")) == (first, "SUSPENDED")
    return first, text(second, "wo:WorkOrderId") or ""


def notes(client: WorkerTestClient, work_order_id: str, action: str) -> list[str]:
    shown = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    return [text(h, "wo:Note") or "" for h in shown.iterfind("wo:WorkOrder/wo:History", NS)
            if text(h, "wo:Action") == action]


def test_a_held_repeat_does_not_escalate_and_is_answered_visited_and_closed_with_the_open_one(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    first, held = held_pair(client, runtime)
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    before = len(client.sent)
    for _ in range(8):  # four days with NSP: the open one's own limits breach, the held one's clock stands still
        later(runtime, hours=12)
        scheduler.run_pass()
    assert ("HUB", "ESCALATE") not in history(client, held) and state(client, held) == "SUSPENDED"
    todos = [e for e, _ in client.sent[before:] if e.command_type == "oa.PushTodo"]
    assert all(held.encode() not in e.payload for e in todos)
    # a later call repeats the original, not the held one
    assert text(send(client, AT_INTAKE), "wo:RepeatOf") == first
    assert text(send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first), "wo:State") == "REPLIED"
    assert state(client, held) == "REPLIED"
    assert any(f"answered with {first}'s reply" in note for note in notes(client, held, "REPLY"))
    for _ in range(8):  # the open one's return visit is late: the held one, covered by it, escalates nothing
        later(runtime, hours=12)
        scheduler.run_pass()
    assert [action for _, action in history(client, held)].count("ESCALATE") == 0
    assert text(send(client, "WorkOrderAction.valid-callback.xml", WorkOrderId=first), "wo:State") == "RETURN_VISITED"
    assert state(client, held) == "RETURN_VISITED"
    assert text(send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=first), "wo:State") == "CLOSED"
    assert state(client, held) == "CLOSED"


def test_a_held_repeat_is_released_to_the_desk_when_the_open_one_is_cancelled(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    first, held = held_pair(client, runtime)
    assert text(send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=first), "wo:State") == "CANCELLED"
    assert state(client, held) == "ACCEPTED"
    assert any(first in note and "released" in note for note in notes(client, held, "RESUME"))


def created_elsewhere(client: WorkerTestClient, *, area: str | None, place: str) -> etree._Element:
    document, message_id = command(AT_INTAKE, Location=place)
    if area is not None:
        document.find(f"{{{WO}}}Area/{{{C}}}AreaCode").text = area
    for element in document.iterfind(f"{{{WO}}}Field"):
        if element.get("name") == "fault_place":
            element.text = place
    created = answer(client.request(envelope(document, message_id)))
    assert SCHEMA.validate(created), SCHEMA.error_log
    return created


def test_a_repeat_in_another_area_is_dispatched(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    send(client, AT_INTAKE)
    later(runtime, days=3)
    second = created_elsewhere(client, area="020", place="Tianhe Sports Center, Guangzhou")
    assert text(second, "wo:State") == "DISPATCHED" and second.find("wo:RepeatOf", NS) is None
    assert len(nsp_dispatches(client)) == 2


def test_a_held_repeat_with_a_new_fault_place_names_it_in_the_reminder(client: WorkerTestClient,
                                                                        runtime: WorkflowRuntime) -> None:
    send(client, AT_INTAKE)
    later(runtime, hours=2)
    second = created_elsewhere(client, area=None, place="Gate 3 of the same campus")
    assert text(second, "wo:State") == "SUSPENDED" and len(nsp_dispatches(client)) == 1
    reads = [e.payload.decode() for e, _ in client.sent if e.command_type == "oa.PushToRead"]
    assert any("Gate 3 of the same campus" in read for read in reads)


def test_a_repeat_of_an_incident_child_is_linked_to_the_incident(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    answers = []
    for number in range(10):
        answers.append(complain(client, number))
        later(runtime, minutes=1)
    incident = text(answers[-1], "wo:IncidentId")
    assert incident
    before = len(nsp_dispatches(client))
    later(runtime, minutes=20)
    again = complain(client, 9, intake="HOTLINE-0755")  # the child left ACCEPTED calls the hotline
    assert (text(again, "wo:State"), text(again, "wo:IncidentId")) == ("ACCEPTED", incident)
    assert len(nsp_dispatches(client)) == before


def test_a_held_repeat_counts_as_a_complaint_and_a_repeat_never_a_breach_nor_first_contact(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    first, held = held_pair(client, runtime)
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    for _ in range(4):
        later(runtime, hours=12)
        scheduler.run_pass()
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first)
    assert state(client, held) == "REPLIED"
    counted = measures(runtime)
    assert (counted["created"], counted["repeat"], counted["replied"]) == (2, 1, 2)
    assert counted["first_contact_resolved"] == 0  # the department's reply, copied: no first contact of the desk
    check_rebuild(runtime)


def test_the_queries_show_a_repeat_linked_to_its_open_one_and_how_many_it_holds(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """A supervisor reading a held repeat saw SUSPENDED and nothing of the open one it was held for (RepeatOf was in
    the CreateWorkOrder answer only); reading the open one, nothing of the repeats answered with it."""
    first, held = held_pair(client, runtime)
    later(runtime, hours=1)
    third = text(send(client, AT_INTAKE), "wo:WorkOrderId") or ""
    shown = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=held)
    assert SCHEMA.validate(shown), SCHEMA.error_log
    assert (text(shown, "wo:WorkOrder/wo:RepeatOf"), text(shown, "wo:WorkOrder/wo:RepeatCount")) == (first, None)
    shown = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=first)
    assert SCHEMA.validate(shown), SCHEMA.error_log
    assert (text(shown, "wo:WorkOrder/wo:RepeatOf"), text(shown, "wo:WorkOrder/wo:RepeatCount")) == (None, "2")
    listed = query(client, Msisdn=text(shown, "wo:WorkOrder/wo:Msisdn") or "")
    assert SCHEMA.validate(listed), SCHEMA.error_log
    assert {text(w, "wo:WorkOrderId"): text(w, "wo:RepeatOf") for w in listed.iterfind("wo:WorkOrder", NS)} == {
        first: None, held: first, third: first}
    assert text(send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=first), "wo:State") == "CANCELLED"
    assert text(send(client, "QueryWorkOrder.valid.xml", WorkOrderId=held), "wo:WorkOrder/wo:RepeatOf") is None
    assert text(send(client, "QueryWorkOrder.valid.xml", WorkOrderId=first), "wo:WorkOrder/wo:RepeatCount") is None
