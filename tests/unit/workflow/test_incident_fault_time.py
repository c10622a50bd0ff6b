"""The fault time of a mass-complaint incident's fault report to NSP (docs/incidents.md): when no complaint gave the
template's ``fault_time``, the incident's own (its earliest complaint's OccurredAt) is written in the operator's
zone, where a time without an offset is read (``dispatch_effects.fault_time``). It was written in UTC:
NetworkComplaintDispatch said 00:40+08:00 for a fault that began at 08:40+08:00, 8 hours early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.incident_kit import NSP, complaint_document, mass_dispatches
from tests.unit.workflow.kit import WO, answer, envelope, text

pytestmark = pytest.mark.unit

BEGAN = datetime(2026, 11, 23, 0, 40, tzinfo=UTC)  # the example's OccurredAt, 08:40 in Shenzhen


def mass_fault_report(client: WorkerTestClient, runtime: WorkflowRuntime) -> etree._Element:
    """Ten complaints without a fault time, a minute apart: the incident's NetworkComplaintDispatch."""
    assert isinstance(runtime.clock, ManualClock)
    incident_id = None
    for number in range(10):
        if number:
            runtime.clock.advance(timedelta(minutes=1))
        document, message_id = complaint_document(number)
        (given,) = [f for f in document.iterfind(f"{{{WO}}}Field") if f.get("name") == "fault_time"]
        document.remove(given)
        incident_id = text(answer(client.request(envelope(document, message_id))), "wo:IncidentId") or incident_id
    assert incident_id is not None
    (report,) = mass_dispatches(client)
    assert report.findtext(f"{{{NSP}}}WorkOrderId") == incident_id
    return report


def test_the_incidents_fault_report_says_when_the_fault_began(client: WorkerTestClient,
                                                               runtime: WorkflowRuntime) -> None:
    report = mass_fault_report(client, runtime)
    occurred = datetime.fromisoformat(report.findtext(f"{{{NSP}}}OccurredAt") or "")
    assert occurred == BEGAN


def test_the_incidents_fault_time_field_is_the_operators_local_time(client: WorkerTestClient,
                                                                     runtime: WorkflowRuntime) -> None:
    report = mass_fault_report(client, runtime)
    fields = {f.get("name"): f.text for f in report.iterfind(f"{{{NSP}}}Field")}
    assert fields.get("fault_time") == "2026-11-23 08:40"
