"""A work order cancelled while NSP holds it unanswered is withdrawn at NSP: the Cancel sends
``nsp:NetworkComplaintWithdraw`` (routed to the NSP adapter) in its own transaction, under a MessageId derived from
the Cancel, so a redelivered Cancel sends nothing twice. Nothing is sent for a work order never dispatched,
dispatched to a department reached through OA, whose dispatch was marked invalid, or that NSP answered
(hub/workflow/network_withdrawal.py). Before, NSP was never told and its engineers worked on."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.routing.outbound import RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import WorkerTestClient
from hub.workflow.changes import FollowUp
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.network_withdrawal import nsp_withdraw, withdrawal_owed
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import WorkOrderProcessedStore
from tests.unit.workflow.audit_kit import NSP, created, dispatch, nsp_reply, send, state
from tests.unit.workflow.kit import EXAMPLES, answer, command, envelope, text
from tests.unit.workflow.test_nsp_stale_reply import dispatch_ids, opened_incident

pytestmark = pytest.mark.unit

S = WorkOrderState
C = "urn:onepoint:common:1"
WITHDRAW = "nsp.NetworkComplaintWithdraw"
REASON = "Customer withdrew: the calls work again"  # WorkOrderAction.valid-cancel.xml's


def withdrawals(client: WorkerTestClient) -> list[Envelope]:
    return [e for e, _ in client.sent if e.command_type == WITHDRAW]


def cancel(client: WorkerTestClient, work_order_id: str) -> etree._Element:
    answered = send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    assert text(answered, "wo:State") == "CANCELLED", etree.tostring(answered)
    return answered


@pytest.mark.parametrize("moves", [
    [], ["valid-suspend"], ["valid-start"], ["valid-start", "valid-pend"], ["valid-escalate"],
], ids=lambda moves: "+".join(moves) or "dispatched")
def test_a_cancel_while_nsp_holds_the_work_order_withdraws_it(client: WorkerTestClient, moves: list[str]) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    for move in moves:  # the hotline's own moves: NSP has not answered
        send(client, f"WorkOrderAction.{move}.xml", WorkOrderId=work_order_id)
    assert withdrawals(client) == []
    cancel(client, work_order_id)
    (sent,) = withdrawals(client)
    document = etree.fromstring(sent.payload)
    assert document.findtext(f"{{{NSP}}}WorkOrderId") == work_order_id
    assert document.findtext(f"{{{NSP}}}Reason") == REASON
    assert document.findtext(f"{{{NSP}}}WithdrawnBy") == "agent-1024"
    assert document.find(f"{{{NSP}}}NspTicketId") is None  # NSP finds the tickets by the work order
    assert datetime.fromisoformat(document.findtext(f"{{{NSP}}}WithdrawnAt") or "") <= datetime.now(UTC)
    assert document.findtext(f"{{{NSP}}}Header/{{{C}}}SourceSystem") == "HUB"
    assert sent.message_id not in dispatch_ids(client, work_order_id)


@pytest.mark.parametrize("before", ["never dispatched", "dispatched to OA", "dispatch marked invalid",
                                    "answered by NSP"])
def test_a_cancel_sends_nothing_when_nsp_does_not_hold_the_work_order(client: WorkerTestClient, before: str) -> None:
    work_order_id = created(client)
    if before == "dispatched to OA":
        dispatch(client, work_order_id, to_system="BOSS")  # the department's OA to-do (closed at the cancel)
    elif before == "dispatch marked invalid":
        dispatch(client, work_order_id)
        send(client, "WorkOrderAction.valid-reject-dispatch.xml", WorkOrderId=work_order_id)
    elif before == "answered by NSP":
        dispatch(client, work_order_id)
        assert nsp_reply(client, work_order_id).processed
        assert state(client, work_order_id) == "IN_PROGRESS"
    cancel(client, work_order_id)
    assert withdrawals(client) == []


def test_the_withdrawal_comes_after_the_cancels_other_follow_ups(client: WorkerTestClient) -> None:
    """Follow-ups of a message's own work order are numbered by place (``<kind>-<n>``, hub.workflow.follow_up_steps):
    the withdrawal and the account manager's notice, both new, come after the to-dos the Cancel closes, so those
    keep the message ids hubs before them gave them (a Cancel in flight during an update closes nothing twice)."""
    work_order_id = created(client)  # a VIP with an account manager
    dispatch(client, work_order_id)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)  # a hand-up's to-do to close
    since = len(client.sent)
    cancel(client, work_order_id)
    sent = [e.command_type for e, _ in client.sent[since:]]
    assert sent[-2:] == ["crm.NotifyAccountManager", WITHDRAW] and "oa.CompleteTodo" in sent[:-2], sent


def test_a_redelivered_cancel_sends_its_withdrawal_once(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    document, message_id = command("WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    first = client.request(envelope(document, message_id))
    again = client.request(envelope(document, message_id))
    assert text(answer(first), "wo:State") == "CANCELLED" and again.duplicate
    assert len(withdrawals(client)) == 1


def test_a_cancelled_incident_withdraws_its_fault_report(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    incident_id = opened_incident(client, runtime)
    cancel(client, incident_id)
    (sent,) = withdrawals(client)  # the incident's own: its children were never dispatched on their own since
    assert etree.fromstring(sent.payload).findtext(f"{{{NSP}}}WorkOrderId") == incident_id


def test_a_routing_table_from_before_the_withdrawal_still_cancels(runtime: WorkflowRuntime, tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """An operator's own table written before the command existed routes it nowhere: the cancel goes on, logged."""
    built_in = resources.files("hub.routing").joinpath("default_routes.toml").read_text("utf-8")
    old = tmp_path / "routes.toml"
    route = ('[[routes]]\nname = "network complaints withdrawn from NSP when their work order is cancelled"\n'
             'commands = ["nsp.NetworkComplaintWithdraw"]\nto = ["nsp"]\n')
    assert route in built_in
    old.write_text(built_in.replace(route, ""), encoding="utf-8")
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(old, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    tier = (EXAMPLES / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()
    client = WorkerTestClient(handlers, consumer=CONSUMER, dependencies={"workflow": runtime},
                              store=WorkOrderProcessedStore(runtime.store),
                              outbound=RecordingOutbound(table, DocumentValidator(registry), answer=lambda _: tier))
    work_order_id = created(client)
    dispatch(client, work_order_id)
    with caplog.at_level(logging.ERROR, logger="onepoint.workflow"):
        cancel(client, work_order_id)
    assert withdrawals(client) == [] and state(client, work_order_id) == "CANCELLED"
    assert "NSP is not told of the cancel" in caplog.text


def test_the_rule_reads_the_target_and_the_history() -> None:
    dispatched = [{"kind": "state", "action": "DISPATCH", "system": "CS", "field": None}]
    answered = [*dispatched, {"kind": "field", "action": None, "system": "NSP", "field": "nsp_result"}]
    again = [*answered, {"kind": "state", "action": "REJECT_DISPATCH", "system": "CS", "field": None},
             *dispatched]
    nsp = {"dispatch_system": "NSP"}
    assert withdrawal_owed(nsp, S.DISPATCHED, dispatched)
    assert withdrawal_owed(nsp, S.DISPATCHED, again)  # NSP answered the earlier dispatch, not the current one
    assert not withdrawal_owed(nsp, S.IN_PROGRESS, answered)
    assert not withdrawal_owed(nsp, S.DISPATCH_REJECTED, dispatched)
    assert not withdrawal_owed({"dispatch_system": "BOSS"}, S.DISPATCHED, dispatched)
    assert not withdrawal_owed({"dispatch_system": None}, S.DISPATCHED, dispatched)  # before revision 0007
    assert not withdrawal_owed(nsp, S.ACCEPTED, [])


def test_the_document_keeps_nsps_limits() -> None:
    row = {"id": "WO20261123A7K2M9Q1"}
    at = datetime(2026, 11, 23, 2, 2, 14, tzinfo=UTC)
    document = nsp_withdraw(FollowUp("nsp-withdraw", row, {"reason": "x" * 5000, "withdrawn_at": at,
                                                            "withdrawn_by": "an-operator-id-far-too-long-for-PartyId"}),
                            at)
    assert len(document.findtext(f"{{{NSP}}}Reason") or "") == 4000
    assert document.find(f"{{{NSP}}}WithdrawnBy") is None  # not a c:PartyId: left out, never refused
    assert document.findtext(f"{{{NSP}}}WithdrawnAt") == "2026-11-23T02:02:14.000+00:00"
