"""NSP accepted a dispatch as its ticket: the NSP adapter tells the workflow (``workorder.NspDispatchNote``, the hub's
own) and the workflow records the ticket on the work order (field ``nsp_nspticketid``, by NSP, state unchanged, no
event) while the dispatch is the work order's current one; the wrong-ticket check applies from then on. The note and
NSP's reply race: a reply first is never refused after the fact (a disagreeing note is noted as a conflict). A note
for a dispatch left behind, or for none of a finished work order's, writes nothing and is acked; one for a dispatch
not committed yet waits for it; the same note again
writes nothing more; from any other system it is refused (``not-from-hub``)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from lxml import etree

from hub.config.workflow import WorkflowSettings
from hub.envelope import Envelope
from hub.routing.message_ids import derive_message_id
from hub.workers import SendResult, WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.handlers import CONSUMER
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.unit.workflow.audit_kit import created, dispatch, history, send, state
from tests.unit.workflow.incident_kit import client_of
from tests.unit.workflow.kit import EXAMPLES, START, answer, command, envelope, text
from tests.unit.workflow.test_nsp_stale_reply import dispatch_ids, dispatched_twice, refused
from tests.unit.workflow.test_nsp_wrong_ticket import FIRST, OTHER, reply

pytestmark = pytest.mark.unit

WO = "urn:onepoint:workorder:1"


def dispatch_note(client: WorkerTestClient, work_order_id: str, dispatch_id: str, ticket_id: str = FIRST, *,
                  source: str = "HUB", message_id: str | None = None) -> SendResult:
    """The NSP adapter's note that NSP accepted the dispatch ``dispatch_id`` as ``ticket_id``."""
    document = etree.parse(str(EXAMPLES / "workorder" / "NspDispatchNote.valid.xml")).getroot()
    for name, value in (("WorkOrderId", work_order_id), ("DispatchId", dispatch_id), ("NspTicketId", ticket_id)):
        document.find(f"{{{WO}}}{name}").text = value
    return client.send(Envelope(message_id or f"hub-{uuid.uuid4().hex}", "workorder.NspDispatchNote", source,
                                etree.tostring(document)))


def entries(client: WorkerTestClient, work_order_id: str, field: str) -> list[etree._Element]:
    found = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    return [e for e in found.iterfind("wo:WorkOrder/wo:History", {"wo": WO}) if text(e, "wo:Field") == field]


def dispatched(client: WorkerTestClient) -> tuple[str, str]:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    (dispatch_id,) = dispatch_ids(client, work_order_id)
    return work_order_id, dispatch_id


def test_nsps_ticket_is_recorded_when_nsp_accepts_the_dispatch(client: WorkerTestClient,
                                                               runtime: WorkflowRuntime) -> None:
    work_order_id, dispatch_id = dispatched(client)
    events = runtime.store.outbox_end()
    result = dispatch_note(client, work_order_id, dispatch_id)
    assert result.processed and result.outcome == f"NSP's ticket {FIRST} of {work_order_id}: recorded"
    assert state(client, work_order_id) == "DISPATCHED"
    (entry,) = entries(client, work_order_id, "nsp_nspticketid")
    assert (text(entry, "wo:NewValue"), text(entry, "wo:System"), text(entry, "wo:By")) == (FIRST, "NSP", "NSP")
    assert dispatch_id in (text(entry, "wo:Note") or "")
    assert runtime.store.outbox_end() == events  # a field entry of NSP's writes no event, as its reply's does not


def test_from_the_acceptance_on_a_reply_naming_another_ticket_is_refused(client: WorkerTestClient) -> None:
    work_order_id, dispatch_id = dispatched(client)
    assert dispatch_note(client, work_order_id, dispatch_id).processed
    before = history(client, work_order_id)
    refused(reply(client, work_order_id, OTHER, dispatch_id), "wrong-ticket")  # the first reply, too
    assert history(client, work_order_id) == before
    assert reply(client, work_order_id, FIRST, dispatch_id).processed
    assert state(client, work_order_id) == "IN_PROGRESS"


def test_the_same_note_again_writes_nothing_more(client: WorkerTestClient) -> None:
    work_order_id, dispatch_id = dispatched(client)
    assert dispatch_note(client, work_order_id, dispatch_id, message_id="hub-note-00000001").processed
    before = history(client, work_order_id)
    assert dispatch_note(client, work_order_id, dispatch_id, message_id="hub-note-00000001").duplicate
    again = dispatch_note(client, work_order_id, dispatch_id)  # NSP's DUPLICATE answer to the dispatch sent again
    assert again.processed and again.outcome is not None and again.outcome.endswith("recorded already")
    assert history(client, work_order_id) == before


def test_a_reply_before_the_note_naming_the_same_ticket_leaves_nothing_to_record(client: WorkerTestClient) -> None:
    work_order_id, dispatch_id = dispatched(client)
    assert reply(client, work_order_id, FIRST, dispatch_id).processed
    before = history(client, work_order_id)
    assert dispatch_note(client, work_order_id, dispatch_id).processed
    assert history(client, work_order_id) == before


def test_a_reply_before_the_note_naming_another_ticket_stays_and_the_conflict_is_noted(
        client: WorkerTestClient) -> None:
    work_order_id, dispatch_id = dispatched(client)
    assert reply(client, work_order_id, OTHER, dispatch_id).processed  # came first: taken
    result = dispatch_note(client, work_order_id, dispatch_id, FIRST)
    assert result.processed and result.outcome is not None and "conflict" in result.outcome
    (conflict,) = entries(client, work_order_id, "nsp_ticket_conflict")
    assert (text(conflict, "wo:OldValue"), text(conflict, "wo:NewValue")) == (OTHER, FIRST)
    assert [text(e, "wo:NewValue") for e in entries(client, work_order_id, "nsp_nspticketid")] == [OTHER]
    assert reply(client, work_order_id, OTHER, dispatch_id).processed  # the reply's ticket stays the work order's
    before = history(client, work_order_id)
    assert dispatch_note(client, work_order_id, dispatch_id, FIRST).processed  # noted once
    assert history(client, work_order_id) == before


def test_a_note_for_a_dispatch_left_behind_records_nothing(client: WorkerTestClient) -> None:
    work_order_id, first, second = dispatched_twice(client)
    before = history(client, work_order_id)
    stale = dispatch_note(client, work_order_id, first, OTHER)
    assert stale.processed and not stale.dead and "not recorded" in (stale.outcome or "")
    assert history(client, work_order_id) == before
    assert dispatch_note(client, work_order_id, second, FIRST).processed
    assert [text(e, "wo:NewValue") for e in entries(client, work_order_id, "nsp_nspticketid")] == [FIRST]
    refused(reply(client, work_order_id, OTHER, second), "wrong-ticket")


def test_a_note_for_a_dispatch_not_committed_waits_and_is_never_dropped(client: WorkerTestClient) -> None:
    """The workflow sends before it commits; a transaction rolled back is tried again under the same ids, so NSP may
    accept a dispatch the work order does not show yet: the note waits for it (a transient failure), and once the
    Dispatch commits, the same note records the ticket."""
    work_order_id = created(client)
    document, action_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    dispatch_id = derive_message_id(action_id, "nsp-dispatch-0", CONSUMER, "CS")  # the id its dispatch will carry
    note_id = derive_message_id(dispatch_id, "nsp-dispatch-note", "nsp", "HUB")  # the adapter's note's
    early = dispatch_note(client, work_order_id, dispatch_id, FIRST, message_id=note_id)
    assert not early.processed and not early.duplicate and early.dead  # retried, never taken as done
    assert "has not committed that dispatch" in str(early.dead_letter.headers if early.dead_letter else "")
    assert text(answer(client.request(envelope(document, action_id))), "wo:State") == "DISPATCHED"
    assert dispatch_ids(client, work_order_id) == [dispatch_id]
    assert dispatch_note(client, work_order_id, dispatch_id, FIRST, message_id=note_id).processed  # the replay
    assert [text(e, "wo:NewValue") for e in entries(client, work_order_id, "nsp_nspticketid")] == [FIRST]
    refused(reply(client, work_order_id, OTHER, dispatch_id), "wrong-ticket")


def test_a_note_naming_none_of_a_finished_work_orders_dispatches_records_nothing(client: WorkerTestClient) -> None:
    work_order_id, _ = dispatched(client)
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    before = history(client, work_order_id)
    result = dispatch_note(client, work_order_id, "hub-0000000000000000000000000000beef")
    assert result.processed and "not recorded" in (result.outcome or "")
    assert history(client, work_order_id) == before


def test_a_dispatch_note_from_another_system_is_refused(client: WorkerTestClient) -> None:
    work_order_id, dispatch_id = dispatched(client)
    refused(dispatch_note(client, work_order_id, dispatch_id, source="NSP"), "not-from-hub")
    refused(dispatch_note(client, work_order_id, dispatch_id, source="CS"), "not-from-hub")
    assert entries(client, work_order_id, "nsp_nspticketid") == []


def test_a_note_for_a_work_order_never_created_waits_then_is_dead_lettered(client: WorkerTestClient) -> None:
    waited = dispatch_note(client, "WO20261123ZZZZZZZZ", "hub-0000000000000000000000000000beef")
    assert waited.dead and len(waited.deliveries) > 1  # retried (its CreateWorkOrder may commit yet), then given up
    assert "has not committed that work order" in str(waited.dead_letter.headers if waited.dead_letter else "")


def test_a_note_before_its_create_work_order_commits_waits_for_it(client: WorkerTestClient, tmp_path: Path,
                                                                  migrated_store: Path) -> None:
    """A dispatch at intake: the CreateWorkOrder that sent it rolled back and is tried again under the same ids (the
    work order's id derives from the message's), so the note may come before the work order exists."""
    document, create_id = command("CreateWorkOrder.valid-dispatch-at-intake.xml")
    shutil.copyfile(migrated_store, tmp_path / "first.db")  # the first attempt, rolled back: what it sent
    first = open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'first.db'}"), clock=ManualClock(START))
    try:
        probe = client_of(first)
        work_order_id = text(answer(probe.request(envelope(document, create_id))), "wo:WorkOrderId") or ""
        (dispatch_id,) = dispatch_ids(probe, work_order_id)
    finally:
        first.close()
    early = dispatch_note(client, work_order_id, dispatch_id, FIRST, message_id="hub-note-0001")
    assert early.dead and not early.processed and "unknown-work-order" not in str(early.dead_letter.headers
                                                                                  if early.dead_letter else "")
    assert text(answer(client.request(envelope(document, create_id))), "wo:WorkOrderId") == work_order_id
    assert dispatch_ids(client, work_order_id) == [dispatch_id]
    assert dispatch_note(client, work_order_id, dispatch_id, FIRST, message_id="hub-note-0001").processed
    assert [text(e, "wo:NewValue") for e in entries(client, work_order_id, "nsp_nspticketid")] == [FIRST]
