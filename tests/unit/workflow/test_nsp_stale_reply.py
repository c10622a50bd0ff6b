"""NSP answers the dispatch it got: its NetworkComplaintReply's CorrelationId is the MessageId of that
NetworkComplaintDispatch. A reply naming an earlier dispatch of the work order (one marked invalid since, the work
order dispatched again) is refused as ``stale-reply`` (dead-lettered, nothing written), as OA's to-do of an earlier
dispatch is refused as ``stale-todo``; the current dispatch's reply moves the work order on. A reply whose
CorrelationId names no dispatch the hub knows of (a hand-made one, one correlated by an older NSP) is taken as
before, and so is NSP's answer to a dispatch at intake and to an incident's fault report."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import SendResult, WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.handlers import CONSUMER
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.network_dispatch import AnsweredDispatch, answered_dispatch
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import NSP, created, dispatch, history, nsp_reply, send, state
from tests.unit.workflow.incident_kit import children, complain, mass_dispatches
from tests.unit.workflow.kit import EXAMPLES, text

pytestmark = pytest.mark.unit

C = "urn:onepoint:common:1"


def dispatch_ids(client: WorkerTestClient, work_order_id: str) -> list[str]:
    """The MessageIds of the NetworkComplaintDispatches the hub sent for ``work_order_id``, in order."""
    return [e.message_id for e, _ in client.sent if e.command_type == "nsp.NetworkComplaintDispatch"
            and etree.fromstring(e.payload).findtext(f"{{{NSP}}}WorkOrderId") == work_order_id]


def reply_to(client: WorkerTestClient, work_order_id: str, dispatch_id: str, *,
             on_envelope: bool = True) -> SendResult:
    """NSP's reply to the dispatch ``dispatch_id`` (its CorrelationId), as the NSP emulator writes it."""
    document = etree.parse(str(EXAMPLES / "nsp" / "NetworkComplaintReply.valid.xml")).getroot()
    document.find(f"{{{NSP}}}WorkOrderId").text = work_order_id
    document.find(f"{{{NSP}}}Header/{{{C}}}CorrelationId").text = dispatch_id
    return client.send(Envelope(f"nsp-{uuid.uuid4().hex[:16]}", "nsp.NetworkComplaintReply", "NSP",
                                etree.tostring(document), correlation_id=dispatch_id if on_envelope else None))


def refused(result: SendResult, code: str) -> None:
    assert result.dead, result.outcome
    assert code in (result.reason or ""), result.reason


def dispatched_twice(client: WorkerTestClient) -> tuple[str, str, str]:
    """A work order dispatched to NSP, its dispatch marked invalid, dispatched to NSP again: id, both MessageIds."""
    work_order_id = created(client)
    dispatch(client, work_order_id)
    send(client, "WorkOrderAction.valid-reject-dispatch.xml", WorkOrderId=work_order_id)
    assert text(dispatch(client, work_order_id), "wo:State") == "DISPATCHED"
    first, second = dispatch_ids(client, work_order_id)
    return work_order_id, first, second


def test_a_reply_to_the_earlier_dispatch_is_refused_and_the_current_ones_is_taken(client: WorkerTestClient) -> None:
    work_order_id, first, second = dispatched_twice(client)
    before = history(client, work_order_id)
    refused(reply_to(client, work_order_id, first), "stale-reply")
    assert (state(client, work_order_id), history(client, work_order_id)) == ("DISPATCHED", before)
    assert reply_to(client, work_order_id, second).processed
    assert state(client, work_order_id) == "IN_PROGRESS"


def test_the_reply_documents_correlation_id_is_read_when_the_envelope_has_none(client: WorkerTestClient) -> None:
    work_order_id, first, _ = dispatched_twice(client)
    refused(reply_to(client, work_order_id, first, on_envelope=False), "stale-reply")
    assert state(client, work_order_id) == "DISPATCHED"


def test_a_reply_to_the_only_dispatch_or_naming_no_known_dispatch_is_taken(client: WorkerTestClient) -> None:
    once = created(client)
    dispatch(client, once)
    (only,) = dispatch_ids(client, once)
    assert reply_to(client, once, only).processed
    assert state(client, once) == "IN_PROGRESS"
    work_order_id, _, _ = dispatched_twice(client)
    assert nsp_reply(client, work_order_id).processed  # the example's CorrelationId: no dispatch of the hub's
    assert state(client, work_order_id) == "IN_PROGRESS"


def test_a_stale_reply_while_suspended_does_not_move_the_order_on_when_it_resumes(client: WorkerTestClient,
                                                                               runtime: WorkflowRuntime) -> None:
    work_order_id, first, second = dispatched_twice(client)
    send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id)
    refused(reply_to(client, work_order_id, first), "stale-reply")
    send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=work_order_id)
    assert state(client, work_order_id) == "DISPATCHED"
    assert reply_to(client, work_order_id, second).processed
    assert state(client, work_order_id) == "IN_PROGRESS"


def test_the_reply_to_a_dispatch_at_intake_is_stale_once_the_order_is_dispatched_again(
        client: WorkerTestClient) -> None:
    answered = send(client, "CreateWorkOrder.valid-dispatch-at-intake.xml")
    work_order_id = text(answered, "wo:WorkOrderId") or ""
    assert state(client, work_order_id) == "DISPATCHED"
    (at_intake,) = dispatch_ids(client, work_order_id)
    send(client, "WorkOrderAction.valid-reject-dispatch.xml", WorkOrderId=work_order_id)
    dispatch(client, work_order_id)
    _, again = dispatch_ids(client, work_order_id)
    refused(reply_to(client, work_order_id, at_intake), "stale-reply")
    assert state(client, work_order_id) == "DISPATCHED"
    assert reply_to(client, work_order_id, again).processed
    assert state(client, work_order_id) == "IN_PROGRESS"


def opened_incident(client: WorkerTestClient, runtime: WorkflowRuntime) -> str:
    """Ten complaints dispatched at intake, the tenth opening an incident: the incident's id."""
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    for number in range(10):
        if number:
            clock.advance(timedelta(minutes=2))
        last = complain(client, number)
    return text(last, "wo:IncidentId") or ""


def test_every_dispatch_the_hub_sends_is_its_work_orders_current_one(client: WorkerTestClient,
                                                                     runtime: WorkflowRuntime) -> None:
    """What the hub sends and what the history tells agree: each dispatch at intake, the incident's fault report
    (sent after the complaint's own follow-ups), a WorkOrderAction's dispatch and the one after it."""
    opened_incident(client, runtime)
    dispatched_twice(client)
    sent = [(e.message_id, etree.fromstring(e.payload).findtext(f"{{{NSP}}}WorkOrderId") or "")
            for e, _ in client.sent if e.command_type == "nsp.NetworkComplaintDispatch"]
    assert len(sent) == 12  # nine complaints dispatched at intake (the tenth joined the incident), its report, two
    expected = [AnsweredDispatch(1, 1)] * 10 + [AnsweredDispatch(1, 2), AnsweredDispatch(2, 2)]
    for (message_id, work_order_id), answered in zip(sent, expected, strict=True):
        view = runtime.store.get_work_order(work_order_id)
        assert view is not None
        assert answered_dispatch(view.history, message_id, CONSUMER, work_order_id=work_order_id) == answered, \
            work_order_id
    assert expected[-2].stale and not expected[-1].stale
    last_id, last_work_order = sent[-1]  # not sent by that consumer; a CorrelationId of a reply made by hand
    assert answered_dispatch(view.history, last_id, "another-queue", work_order_id=last_work_order) is None
    assert answered_dispatch(view.history, "hub-1a2b3c4d5e6f7081", CONSUMER, work_order_id=last_work_order) is None


def test_nsps_reply_to_an_incidents_fault_report_still_resolves_it(client: WorkerTestClient,
                                                                   runtime: WorkflowRuntime) -> None:
    incident_id = opened_incident(client, runtime)
    (report,) = mass_dispatches(client)
    assert report.findtext(f"{{{NSP}}}WorkOrderId") == incident_id
    (report_id,) = dispatch_ids(client, incident_id)
    assert reply_to(client, incident_id, report_id).processed
    assert state(client, incident_id) == "REPLIED"
    assert {child["state"] for child in children(runtime, incident_id)} == {WorkOrderState.REPLIED.value}
