"""The manager's to-do of a mass-complaint incident (docs/incidents.md) can be completed in OA: the incident is
escalated to level 1 when the to-do is pushed, the to-do's id names that level, and OA's CompleteTodo is recorded
in the incident's history (before, the id named level 0 and every completion was dead-lettered as
``callback-not-expected``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import complete_todo, send
from tests.unit.workflow.incident_kit import complain, field, query
from tests.unit.workflow.kit import text

pytestmark = pytest.mark.unit

OA = "urn:onepoint:oa:1"


def incident_and_todo(client: WorkerTestClient, runtime: WorkflowRuntime) -> tuple[str, str, str]:
    """Ten complaints at one hall: the incident's id, its to-do's ItemId and the to-do's user."""
    assert isinstance(runtime.clock, ManualClock)
    incident_id = None
    for number in range(10):
        if number:
            runtime.clock.advance(timedelta(minutes=1))
        incident_id = text(complain(client, number), "wo:IncidentId") or incident_id
    assert incident_id is not None
    (todo,) = [etree.fromstring(e.payload) for e, _ in client.sent if e.command_type == "oa.PushTodo"]
    assert todo.findtext(f"{{{OA}}}WorkOrderId") == incident_id
    return incident_id, todo.findtext(f"{{{OA}}}ItemId") or "", todo.findtext(f"{{{OA}}}UserId") or ""


def test_the_incident_is_escalated_to_level_1_with_its_managers_todo(client: WorkerTestClient,
                                                                      runtime: WorkflowRuntime) -> None:
    incident_id, item_id, _ = incident_and_todo(client, runtime)
    assert item_id == f"{incident_id}-esc1-0"
    found = query(client, incident_id)
    assert field(found, "EscalationLevel") == "1"
    assert field(found, "State") == "DISPATCHED"  # the emergency escalation is no state change
    view = runtime.store.get_work_order(incident_id)
    assert view is not None
    (entry,) = [h for h in view.history if h["field"] == "escalation_level"]
    assert (entry["action"], entry["old_value"], entry["new_value"]) == ("ESCALATE", "0", "1")


def test_completing_the_incidents_todo_in_oa_is_recorded_in_its_history(client: WorkerTestClient,
                                                                         runtime: WorkflowRuntime) -> None:
    incident_id, item_id, manager = incident_and_todo(client, runtime)
    result = complete_todo(client, item_id, manager)
    assert result.processed and not result.dead, result.reason
    view = runtime.store.get_work_order(incident_id)
    assert view is not None
    (done,) = [h for h in view.history if h["field"] == "oa_todo"]
    assert done["system"] == "OA" and done["new_value"].startswith(f"{item_id}: ")
    assert view.row["state"] == "DISPATCHED"  # still with NSP: the manager's completion is noted


def test_an_escalated_incidents_completed_todo_takes_it_up_again(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    """A department hands the incident up (ESCALATE, level 2): the manager's to-do stays open (a hand-up answers
    nothing the manager was told of), its completion is recorded and leaves the incident with the department
    handed up to; that department's to-do takes it up."""
    incident_id, item_id, manager = incident_and_todo(client, runtime)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=incident_id)
    assert field(query(client, incident_id), "State") == "ESCALATED"
    noted = complete_todo(client, item_id, manager)
    assert noted.processed and not noted.dead, noted.reason
    assert field(query(client, incident_id), "State") == "ESCALATED"
    assert complete_todo(client, f"{incident_id}-esc2-0").processed
    assert field(query(client, incident_id), "State") == "IN_PROGRESS"
