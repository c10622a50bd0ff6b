"""A hotline agent hurries a work order (催办, WorkOrderAction ``Remind``: ``hub.workflow.reminders``): the customer
called back about an open complaint. Before, the agent could only take a second complaint, which dispatched the
same fault to NSP again. A Remind keeps the state, tells the owner by an OA to-read (NSP's work orders: the
network desk that owns them, no NSP command), writes a REMIND history entry and a TMF621 note event, counts under
``reminded``, and is refused on a work order that is not open with another department than the intake desk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.statistics.rebuild import rebuild_counters
from hub.workflow.store.schema import work_order_events
from tests.unit.workflow.audit_kit import NS, created, dispatch, history, send, state
from tests.unit.workflow.incident_kit import client_of, settings
from tests.unit.workflow.kit import START, answer, command, envelope, text
from tests.unit.workflow.test_statistics_counters import measures

pytestmark = pytest.mark.unit

OA = "urn:onepoint:oa:1"
REASON = "Customer called back: still cannot make calls near the Civic Center, asks when it will be fixed"


def remind(client: WorkerTestClient, work_order_id: str, reason: str = REASON) -> etree._Element:
    return send(client, "WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id, **{"Remind/wo:Reason": reason})


def to_reads(client: WorkerTestClient, since: int = 0) -> list[tuple[str, etree._Element]]:
    """(MessageId, PushToRead) of each to-read sent since ``since`` sends."""
    return [(sent.message_id, etree.fromstring(sent.payload)) for sent, _ in client.sent[since:]
            if sent.command_type == "oa.PushToRead"]


def dispatched(client: WorkerTestClient) -> str:
    work_order_id = created(client)
    assert text(dispatch(client, work_order_id), "wo:State") == "DISPATCHED"
    return work_order_id


SUSPEND_UNTIL = {"Suspend/wo:Until": "2026-11-30T09:00:00+08:00"}


def reached(client: WorkerTestClient, moves: tuple[str, ...] | None) -> str:
    """A work order dispatched to NSP, then moved by each ``WorkOrderAction.valid-<move>.xml`` of ``moves`` in
    turn; None: one only created (ACCEPTED, the intake desk's)."""
    if moves is None:
        return created(client)
    work_order_id = dispatched(client)
    for move in moves:
        send(client, f"WorkOrderAction.valid-{move}.xml", WorkOrderId=work_order_id,
             **(SUSPEND_UNTIL if move == "suspend" else {}))
    return work_order_id


OPEN: dict[str, tuple[tuple[str, ...], str]] = {  # state: the moves that reach it after the dispatch, its owner then
    "DISPATCHED": ((), "NOC-PROV"), "IN_PROGRESS": (("start",), "NOC-PROV"),
    "PENDING": (("start", "pend"), "NOC-PROV"), "ESCALATED": (("escalate",), "CS-ESCALATION"),
}


@pytest.mark.parametrize("open_state", sorted(OPEN))
def test_a_remind_tells_the_owner_and_keeps_the_state(client: WorkerTestClient, open_state: str) -> None:
    moves, owner = OPEN[open_state]
    work_order_id = reached(client, moves)
    assert state(client, work_order_id) == open_state
    before = len(client.sent)
    answered = remind(client, work_order_id)
    assert text(answered, "wo:State") == open_state, text(answered, "c:Message")
    assert text(answered, "wo:Owner") == owner
    assert [sent.command_type for sent, _ in client.sent[before:]] == [  # no second NSP dispatch
        "oa.PushToRead", "crm.NotifyAccountManager"]  # the BOSS example's VIP_GOLD: its manager told too
    [(_, document)] = to_reads(client, before)
    assert document.findtext(f"{{{OA}}}UserId") == owner  # NSP's work order: the network desk that owns it
    level = 1 if open_state == "ESCALATED" else 0  # the hand-up raised it
    assert document.findtext(f"{{{OA}}}ItemId") == f"{work_order_id}-rem{level}-call1"
    summary = document.findtext(f"{{{OA}}}Summary") or ""
    assert summary.startswith("Customer called back (reminder 1, by agent-1024): ") and REASON in summary
    assert ("CS", "REMIND") in history(client, work_order_id)
    assert state(client, work_order_id) == open_state


def test_the_history_entry_keeps_actor_reason_and_message(client: WorkerTestClient) -> None:
    work_order_id = dispatched(client)
    document, message_id = command("WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id)
    answer(client.request(envelope(document, message_id)))
    found = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    [entry] = [h for h in found.iterfind("wo:WorkOrder/wo:History", NS) if text(h, "wo:Action") == "REMIND"]
    assert (text(entry, "wo:By"), text(entry, "wo:System"), text(entry, "wo:Field"), text(entry, "wo:NewValue"),
            text(entry, "wo:Note"), text(entry, "wo:MessageId")) == (
        "agent-1024", "CS", "reminder", "1", REASON, message_id)


REFUSED: dict[str, tuple[str, ...] | None] = {
    "ACCEPTED": None, "SUSPENDED": ("suspend",), "DISPATCH_REJECTED": ("reject-dispatch",),
    "REPLIED": ("start", "reply"), "CANCELLED": ("cancel",),
}


@pytest.mark.parametrize("closed_state", sorted(REFUSED))
def test_a_remind_is_refused_on_a_work_order_no_other_department_holds_open(
        client: WorkerTestClient, runtime: WorkflowRuntime, closed_state: str) -> None:
    work_order_id = reached(client, REFUSED[closed_state])
    assert state(client, work_order_id) == closed_state
    before = len(client.sent)
    refused = remind(client, work_order_id)
    message = text(refused, "c:Message") or ""
    assert text(refused, "c:Code") == "transition-refused", message
    assert message.startswith(f"Remind is not allowed on work order {work_order_id} in state {closed_state}")
    assert client.sent[before:] == [] and ("CS", "REMIND") not in history(client, work_order_id)
    assert measures(runtime)["reminded"] == 0


def test_a_remind_is_refused_when_the_intake_desk_owns_the_work_order(client: WorkerTestClient) -> None:
    work_order_id = dispatched(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id,
         **{"Escalate/wo:ToDepartment": "CUSTOMER_SERVICE"})
    assert state(client, work_order_id) == "ESCALATED"
    before = len(client.sent)
    refused = remind(client, work_order_id)
    assert text(refused, "c:Code") == "owner-is-intake-desk"
    assert "intake desk CUSTOMER_SERVICE" in (text(refused, "c:Message") or "")
    assert to_reads(client, before) == []


def test_a_remind_offered_where_it_is_allowed(client: WorkerTestClient) -> None:
    work_order_id = dispatched(client)
    message = text(send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=work_order_id), "c:Message") or ""
    assert message.endswith("allowed in DISPATCHED: RejectDispatch, Start, Suspend, Escalate, Reply, Cancel, Remind")


def test_reminders_are_counted_and_rebuilt_alike(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = dispatched(client)
    remind(client, work_order_id)
    remind(client, work_order_id, "Called a third time")
    assert measures(runtime)["reminded"] == 2
    figures = answer(client.request(envelope(*command("QueryStatistics.valid-no-window.xml"))))
    assert text(figures, "wo:Totals/wo:Reminded") == "2"
    kept = measures(runtime)
    rebuild_counters(runtime.store.engine, runtime.engine.settings.local_zone)
    assert measures(runtime) == kept
    second = [document for _, document in to_reads(client)][-1]
    assert second.findtext(f"{{{OA}}}ItemId") == f"{work_order_id}-rem0-call2"  # a second to-read, its own item


def test_a_remind_writes_a_tmf621_note_event(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = dispatched(client)
    remind(client, work_order_id, "Customer 13800138000 called back")
    with runtime.store.engine.connect() as connection:
        payloads = connection.execute(work_order_events.select().where(
            work_order_events.c.work_order_id == work_order_id,
            work_order_events.c.kind == "TroubleTicketAttributeValueChangeEvent")).all()
    [ticket] = [json.loads(p.payload)["event"]["troubleTicket"] for p in payloads]
    change = ticket["attributeValueChange"]
    assert (change["fieldPath"], change["noteType"], change["author"], change["reminders"]) == (
        "note", "reminder", "agent-1024", 1)
    assert change["value"] == "Customer *******8000 called back"  # masked as every event's free text
    assert ticket["state"] == "DISPATCHED"
    assert "statusChangeDetail" not in ticket and "statusChangeReason" not in ticket


def test_a_remind_delivered_twice_sends_one_to_read(client: WorkerTestClient) -> None:
    work_order_id = dispatched(client)
    document, message_id = command("WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id)
    before = len(client.sent)
    for _ in range(2):
        assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "DISPATCHED"
    assert len(to_reads(client, before)) == 1


def test_a_remind_redelivered_after_a_lost_transaction_sends_its_to_read_under_the_same_id(
        tmp_path: Path) -> None:
    """The first attempt runs on a copy of the database (its transaction lost), the redelivery on the original."""
    original, lost = tmp_path / "workorders.db", tmp_path / "attempt-lost.db"
    runtime = open_runtime(settings(f"sqlite:///{original}"), clock=ManualClock(START))
    try:
        work_order_id = dispatched(client_of(runtime))
    finally:
        runtime.close()
    shutil.copy(original, lost)
    message = command("WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id)

    def attempt(database: Path) -> list[tuple[str, str | None]]:
        runtime = open_runtime(settings(f"sqlite:///{database}"), clock=ManualClock(START))
        try:
            client = client_of(runtime)
            answer(client.request(envelope(*message)))
            return [(message_id, document.findtext(f"{{{OA}}}ItemId")) for message_id, document in to_reads(client)]
        finally:
            runtime.close()

    first, again = attempt(lost), attempt(original)
    assert len(first) == 1 and first == again  # OA keeps one to-read per MessageId and per item
