"""First-contact resolution: a reply counts only when the desk that took the complaint answered it itself — never
dispatched, and before the reply neither linked to an incident or an outage notice nor escalated. The maintained
counters and their rebuild from the history agree (the rebuild replays the links and escalations up to the reply,
so an escalation after the reply changes nothing)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.incident_kit import children, complain
from tests.unit.workflow.kit import act, text
from tests.unit.workflow.test_outage_rule import cleared_envelope, notice_envelope
from tests.unit.workflow.test_outage_rule import complain as outage_complaint
from tests.unit.workflow.test_statistics_counters import check_rebuild, create, measures

pytestmark = pytest.mark.unit


def manual(runtime: WorkflowRuntime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def test_the_children_an_incident_resolution_replies_are_no_first_contact_resolutions(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    answers = []
    for number in range(10):  # ten at one business hall: the tenth opens the incident
        manual(runtime).advance(timedelta(minutes=2))
        answers.append(complain(client, number))
    incident_id = text(answers[-1], "wo:IncidentId")
    assert incident_id is not None
    kids = children(runtime, incident_id)
    assert any(kid["dispatch_fields"] is None for kid in kids)  # the one taken over before its dispatch
    manual(runtime).advance(timedelta(hours=5))
    act(client, incident_id, "WorkOrderAction.valid-start.xml")
    assert text(act(client, incident_id, "WorkOrderAction.valid-reply.xml"), "wo:State") == "REPLIED"
    counted = measures(runtime)
    assert counted["replied"] == 10 and counted["first_contact_resolved"] == 0
    check_rebuild(runtime)


def test_a_complaint_a_late_outage_notice_linked_is_no_first_contact_resolution(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    taken = text(outage_complaint(client), "wo:WorkOrderId")  # ACCEPTED: its template's fields not taken
    assert taken is not None
    assert client.send(notice_envelope()).processed  # the late notice links it
    manual(runtime).advance(timedelta(hours=2))
    assert client.send(cleared_envelope()).processed  # its clearance replies the recovery notice
    view = runtime.store.get_work_order(taken)
    assert view is not None and view.row["state"] == "REPLIED" and view.row["dispatch_fields"] is None
    counted = measures(runtime)
    assert counted["replied"] == 1 and counted["first_contact_resolved"] == 0
    check_rebuild(runtime)


def test_an_auto_answer_at_intake_stays_a_first_contact_resolution(client: WorkerTestClient,
                                                                    runtime: WorkflowRuntime) -> None:
    """Answered at once, at the first contact, from an active notice: counted once, with its AUTO_ANSWER."""
    assert client.send(notice_envelope()).processed
    assert text(outage_complaint(client), "wo:State") == "AUTO_ANSWERED"
    manual(runtime).advance(timedelta(hours=2))
    assert client.send(cleared_envelope()).processed  # the recovery reply is not another one
    counted = measures(runtime)
    assert counted["auto_answered"] == 1 and counted["replied"] == 1 and counted["first_contact_resolved"] == 1
    check_rebuild(runtime)


def test_an_escalated_complaint_is_no_first_contact_resolution(client: WorkerTestClient,
                                                                runtime: WorkflowRuntime) -> None:
    handed_up = create(client)
    assert text(act(client, handed_up, "WorkOrderAction.valid-escalate.xml"), "wo:State") == "ESCALATED"
    act(client, handed_up, "WorkOrderAction.valid-reply.xml")
    breached = create(client, Msisdn="13900139000")
    manual(runtime).advance(timedelta(minutes=25))  # its first response breached: escalated (level 1)
    assert DeadlineScheduler(runtime, client.outbound).run_pass().escalations >= 1
    act(client, breached, "WorkOrderAction.valid-reply.xml")
    counted = measures(runtime)
    assert counted["replied"] == 2 and counted["first_contact_resolved"] == 0
    check_rebuild(runtime)


def test_an_escalation_after_the_reply_leaves_it_a_first_contact_resolution(client: WorkerTestClient,
                                                                            runtime: WorkflowRuntime) -> None:
    """The return visit's breach escalates a replied complaint: the row's level rises after the reply, which the
    rebuild must not read back into it."""
    answered = create(client)
    manual(runtime).advance(timedelta(minutes=5))
    act(client, answered, "WorkOrderAction.valid-reply.xml")
    assert measures(runtime)["first_contact_resolved"] == 1
    manual(runtime).advance(timedelta(days=2))  # the return visit's limit (24 h) breached
    assert DeadlineScheduler(runtime, client.outbound).run_pass().escalations == 1  # told once, at the highest
    view = runtime.store.get_work_order(answered)  # level come due meanwhile (no pass ran for two days)
    assert view is not None and view.row["escalation_level"] >= 1
    assert measures(runtime)["first_contact_resolved"] == 1
    check_rebuild(runtime)
