"""A phenomenon's level-4 refinements are the same phenomenon for the mass-complaint rule (docs/incidents.md): a
refinement whose own template dispatches elsewhere (01.02.03.001 "cannot originate since reconnection" → BOSS) is
counted with its level-3 phenomenon (01.02.03 → NSP), and the incident is the phenomenon's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.incident_kit import CALLS, children, complain, incidents, mass_dispatches
from tests.unit.workflow.kit import text

pytestmark = pytest.mark.unit

SINCE_RECONNECTION = CALLS + ".001"  # its own template: user_data_sync, dispatched to BOSS


def test_a_refinement_dispatched_elsewhere_is_counted_with_its_network_phenomenon(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    answers = []
    for number in range(10):  # half at the phenomenon, half at its refinement; the tenth a refinement
        answers.append(complain(client, number, category=CALLS if number % 2 == 0 else SINCE_RECONNECTION))
        runtime.clock.advance(timedelta(minutes=1))
    incident_id = text(answers[-1], "wo:IncidentId")
    assert incident_id is not None
    (incident,) = incidents(runtime)
    assert incident["category_code"] == CALLS  # the phenomenon's incident, its fault report to NSP
    assert incident["state"] == "DISPATCHED"
    assert len(children(runtime, incident_id)) == 10
    assert len(mass_dispatches(client)) == 1


def test_the_documentation_says_a_refinement_is_its_phenomenons_key() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "incidents.md").read_text(encoding="utf-8")
    assert "are different keys" not in doc
    assert "`01.02.03` and `01.02.03.004` are the same key" in doc
