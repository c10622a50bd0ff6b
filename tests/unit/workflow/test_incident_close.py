"""An incident has no return visit (docs/incidents.md): replied, it is closed straight away, and a Callback on it is
refused saying why. Before, Close and Cancel of a REPLIED incident were refused ("allowed in REPLIED: Callback"),
and the only way out was a made-up return visit with a customer's Satisfaction, stored on the incident and counted
(``incident_return_visited``, ``incident_dissatisfied``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.incident_kit import children, complain
from tests.unit.workflow.kit import WO, answer, command, envelope, text
from tests.unit.workflow.test_statistics_counters import measures

pytestmark = pytest.mark.unit


def opened(client: WorkerTestClient, runtime: WorkflowRuntime) -> str:
    """Ten customers' complaints at the hall, two minutes apart: the incident they opened."""
    assert isinstance(runtime.clock, ManualClock)
    answers = []
    for number in range(10):
        if number:
            runtime.clock.advance(timedelta(minutes=2))
        answers.append(complain(client, number))
    incident_id = text(answers[-1], "wo:IncidentId")
    assert incident_id is not None
    return incident_id


def act(client: WorkerTestClient, example: str, work_order_id: str, **sets: str) -> etree._Element:
    document, message_id = command(example, WorkOrderId=work_order_id)
    for path, value in sets.items():
        document.find("/".join(f"{{{WO}}}{p}" for p in path.split("/"))).text = value
    return answer(client.request(envelope(document, message_id)))


def test_a_replied_incident_is_closed_without_a_return_visit(client: WorkerTestClient,
                                                              runtime: WorkflowRuntime) -> None:
    incident_id = opened(client, runtime)
    assert text(act(client, "WorkOrderAction.valid-reply.xml", incident_id), "wo:State") == "REPLIED"
    visit = act(client, "WorkOrderAction.valid-callback.xml", incident_id, **{"Callback/Satisfaction": "DISSATISFIED"})
    assert text(visit, "c:Code") == "transition-refused"
    assert text(visit, "c:Message") == (
        f"Callback is not allowed on work order {incident_id} in state REPLIED; allowed in REPLIED: Close; an "
        "incident has no return visit (its children, the customers, have theirs): Close it once replied")
    assert text(act(client, "WorkOrderAction.valid-cancel.xml", incident_id), "c:Code") == "transition-refused"
    assert text(act(client, "WorkOrderAction.valid-close.xml", incident_id), "wo:State") == "CLOSED"
    linked = children(runtime, incident_id)
    assert len(linked) == 10 and {child["state"] for child in linked} == {"REPLIED"}  # the resolution's, as before
    assert all(child["return_visit_due"] is not None and child["satisfaction"] is None for child in linked)
    counted = measures(runtime)
    assert counted["incident_closed"] == 1 and counted["incident_return_visited"] == 0
    assert counted["incident_dissatisfied"] == 0 and counted["closed"] == 0


def test_a_replied_complaint_still_owes_its_return_visit_before_it_closes(client: WorkerTestClient,
                                                                          runtime: WorkflowRuntime) -> None:
    incident_id = opened(client, runtime)
    act(client, "WorkOrderAction.valid-reply.xml", incident_id)
    child = children(runtime, incident_id)[0]["id"]
    close = act(client, "WorkOrderAction.valid-close.xml", child)
    assert text(close, "c:Message") == (f"Close is not allowed on work order {child} in state REPLIED; allowed in "
                                        "REPLIED: Callback")
    assert text(act(client, "WorkOrderAction.valid-callback.xml", child), "wo:State") == "RETURN_VISITED"
