"""The mass-complaint window is measured on when the ingress accepted each complaint (``created_at``), not on when
the workflow handled it: a burst handled after a backlog or a restart, or out of the order it was accepted in, is
still the burst it was; a complaint handled hours late is not counted with the complaints of hours later. On
SQLite here, again on PostgreSQL in tests/integration/workflow/test_incidents_on_postgres.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.incident_kit import (
    NSP,
    children,
    complaint_document,
    incidents,
    mass_dispatches,
    nsp_dispatches,
)
from tests.unit.workflow.kit import START, answer, envelope, text

pytestmark = pytest.mark.unit


def accepted_at(client: WorkerTestClient, number: int, at: datetime) -> etree._Element:
    """Customer ``number``'s complaint, accepted by the ingress at ``at`` and handled at the runtime's clock."""
    document, message_id = complaint_document(number)
    return answer(client.request(replace(envelope(document, message_id), received_at=at)))


def later(runtime: WorkflowRuntime, delay: timedelta) -> None:
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(delay)


def test_a_burst_handled_an_hour_late_opens_its_incident(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """Ten customers complain at one hall within 18 minutes; the workflow gets to them 60 minutes later (a worker
    restarted mid-outage): one incident of the ten, not ten dispatches."""
    later(runtime, timedelta(minutes=60))
    answers = []
    for number in range(10):
        answers.append(accepted_at(client, number, START + timedelta(minutes=2 * number)))
        later(runtime, timedelta(seconds=2))  # the backlog drains
    (incident,) = incidents(runtime)
    assert text(answers[-1], "wo:IncidentId") == incident["id"]
    assert len(children(runtime, incident["id"])) == 10
    (mass,) = mass_dispatches(client)
    assert mass.findtext(f"{{{NSP}}}ComplaintCount") == "10"
    assert len(nsp_dispatches(client)) == 10  # the first nine on their own, as they came, then the fault report


def test_a_burst_handled_in_the_reverse_order_opens_its_incident(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    """Handled newest first (several workers, redelivered messages): the oldest, handled last, counts the nine
    accepted after it, which were handled before it."""
    later(runtime, timedelta(minutes=40))
    answers = [accepted_at(client, number, START + timedelta(minutes=2 * number)) for number in reversed(range(10))]
    assert all(text(a, "wo:IncidentId") is None for a in answers[:-1])
    (incident,) = incidents(runtime)
    assert text(answers[-1], "wo:IncidentId") == incident["id"]
    assert len(children(runtime, incident["id"])) == 10


def test_a_complaint_handled_hours_late_is_not_counted_with_later_ones(client: WorkerTestClient,
                                                                      runtime: WorkflowRuntime) -> None:
    """A complaint accepted two hours before nine others of its key, handled after them, is counted in its own
    window, which holds none of them: no incident, and the tenth recent one opens it without the old one."""
    recent = START + timedelta(hours=2)
    later(runtime, timedelta(hours=2, minutes=20))
    ids = [text(accepted_at(client, number, recent + timedelta(minutes=number)), "wo:WorkOrderId")
           for number in range(9)]
    old = accepted_at(client, 50, START)
    assert text(old, "wo:IncidentId") is None and incidents(runtime) == []
    tenth = accepted_at(client, 9, recent + timedelta(minutes=10))
    (incident,) = incidents(runtime)
    assert text(tenth, "wo:IncidentId") == incident["id"]
    linked = {c["id"] for c in children(runtime, incident["id"])}
    assert linked == {*ids, text(tenth, "wo:WorkOrderId")}  # not the one of two hours before
