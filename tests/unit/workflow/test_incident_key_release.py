"""An incident holds its key (later complaints are its children) only while it is open: replied, cancelled, closed
or rejected by its department it lets the key go, and a complaint is never linked to an incident that will not
answer it. Replying an incident answers its children whether or not ``mass_incidents`` is on (it says whether new
complaints are counted). On SQLite here, again on PostgreSQL in
tests/integration/workflow/test_incidents_on_postgres.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store.schema import work_orders
from tests.unit.workflow.incident_kit import (
    CALLS,
    HALL,
    children,
    client_of,
    complain,
    nsp_dispatches,
    open_incident_rows,
    settings,
    window_rows,
)
from tests.unit.workflow.kit import START, act, text

pytestmark = pytest.mark.unit


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Where the test's runtimes keep their work orders (PostgreSQL's module gives a database of its cluster)."""
    return f"sqlite:///{tmp_path / 'own.db'}"


def burst_of_ten(client: WorkerTestClient, clock: ManualClock, *, first: int = 0) -> str:
    """Ten customers' complaints a minute apart: the incident they open."""
    answers = []
    for number in range(first, first + 10):
        clock.advance(timedelta(minutes=1))
        answers.append(complain(client, number))
    incident_id = text(answers[-1], "wo:IncidentId")
    assert incident_id is not None
    return incident_id


def test_an_incident_replied_while_switched_off_answers_its_children_and_lets_its_key_go(database_url: str) -> None:
    clock = ManualClock(START)
    runtime = open_runtime(settings(database_url), clock=clock)
    try:
        incident_id = burst_of_ten(client_of(runtime), clock)
    finally:
        runtime.close()

    off = open_runtime(settings(database_url, mass_incidents=False), clock=clock)  # restarted switched off
    try:
        assert text(act(client_of(off), incident_id, "WorkOrderAction.valid-reply.xml"), "wo:State") == "REPLIED"
        assert {c["state"] for c in children(off, incident_id)} == {"REPLIED"}
        assert open_incident_rows(off) == [] and window_rows(off) == 0
    finally:
        off.close()

    on = open_runtime(settings(database_url), clock=clock)  # and on again: a new complaint stands alone
    try:
        clock.advance(timedelta(hours=3))
        client = client_of(on)
        later = complain(client, 77)
        assert text(later, "wo:IncidentId") is None and text(later, "wo:State") == "DISPATCHED"
        assert len(nsp_dispatches(client)) == 1
    finally:
        on.close()


def test_an_incident_its_department_rejected_lets_its_key_go(client: WorkerTestClient,
                                                             runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    incident_id = burst_of_ten(client, runtime.clock)
    rejected = act(client, incident_id, "WorkOrderAction.valid-reject-dispatch.xml")
    assert text(rejected, "wo:State") == "DISPATCH_REJECTED"
    dispatched = len(nsp_dispatches(client))

    later = complain(client, 40)  # not linked to an incident no fault report is worked on for
    assert text(later, "wo:IncidentId") is None and text(later, "wo:State") == "DISPATCHED"
    assert len(nsp_dispatches(client)) == dispatched + 1
    assert open_incident_rows(runtime) == [] and window_rows(runtime) == 1  # counted from zero
    assert len(children(runtime, incident_id)) == 10  # its children stay its own, for its agent

    second_id = burst_of_ten(client, runtime.clock, first=100)  # a new burst opens a new incident
    assert second_id != incident_id
    assert open_incident_rows(runtime) == [(f"{CALLS}|{HALL}", second_id)]


def test_a_key_still_held_by_a_replied_incident_is_let_go_at_the_next_complaint(client: WorkerTestClient,
                                                                                runtime: WorkflowRuntime) -> None:
    """A store an earlier release left so (its incident replied while the resolution was not registered)."""
    assert isinstance(runtime.clock, ManualClock)
    incident_id = burst_of_ten(client, runtime.clock)
    with runtime.store.engine.begin() as connection:
        connection.execute(update(work_orders).where(work_orders.c.id == incident_id).values(state="REPLIED"))
    later = complain(client, 40)
    assert text(later, "wo:IncidentId") is None and text(later, "wo:State") == "DISPATCHED"
    assert open_incident_rows(runtime) == []
