"""A command the hub sent for a work order was dead-lettered, or carried out on its replay: the system's worker
tells the workflow (``workorder.DeadLetterNote``, source HUB) and the work order's history says so (field
``dead_letter``, the letter's MessageId), the state left alone. Only the hub may say so (``not-from-hub``).
Before, nothing told the work order: its history read as if NSP had the dispatch or the manager the to-do."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import SendResult, WorkerTestClient
from hub.workers.dead_letter_notes import note_document
from hub.workers.failure_classes import FailureClass
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import created, state

pytestmark = pytest.mark.unit
LETTER = "hub-0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def note(client: WorkerTestClient, work_order_id: str, outcome: str = "DEAD_LETTERED", source: str = "HUB",
         message_id: str = "hub-note-0000000001") -> SendResult:
    document = note_document(work_order_id, outcome, "oa.PushTodo", "oa", LETTER,
                             "permanent" if outcome == "DEAD_LETTERED" else None)
    document[0][0].text = message_id
    document[0][1].text = source
    return client.send(Envelope(message_id, "workorder.DeadLetterNote", source, etree.tostring(document)))


def entries(runtime: WorkflowRuntime, work_order_id: str) -> list[dict[str, object]]:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return [h for h in view.history if h["field"] == "dead_letter"]


def test_a_dead_letter_and_its_replay_are_noted(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    before = state(client, work_order_id)
    result = note(client, work_order_id)
    assert result.processed and not result.dead, result.reason
    (entry,) = entries(runtime, work_order_id)
    assert (entry["action"], entry["system"], entry["new_value"]) == ("DEAD_LETTERED", "HUB", LETTER)
    assert "oa.PushTodo to oa was dead-lettered (permanent failure)" in str(entry["note"])
    assert "onepoint dlq show oa" in str(entry["note"])
    assert state(client, work_order_id) == before  # the state stays: the supervisors act
    assert note(client, work_order_id).duplicate  # told twice (one delivery's copy dead-lettered twice): once
    assert note(client, work_order_id, "DELIVERED_ON_REPLAY", message_id="hub-note-0000000002").processed
    assert [(e["action"], e["new_value"]) for e in entries(runtime, work_order_id)] == [
        ("DEAD_LETTERED", LETTER), ("DELIVERED_ON_REPLAY", LETTER)]
    assert "replayed from the DLQ, was carried out" in str(entries(runtime, work_order_id)[1]["note"])


def test_only_the_hub_says_a_command_was_dead_lettered(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    result = note(client, work_order_id, source="CS")
    assert result.dead and "not-from-hub" in (result.reason or "")
    assert entries(runtime, work_order_id) == []


def test_a_note_for_no_work_order_is_refused(client: WorkerTestClient) -> None:
    result = note(client, "WO20261123ZZZZZZZZ")
    assert result.dead and "unknown-work-order" in (result.reason or "")


def test_a_systems_own_refusal_is_noted_as_a_refusal(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """CRM refused the notice in its own words (an account manager it does not know): it got the notice, so the
    history says it refused it, with its code (never the refusal's text), and to correct the data before a
    replay; not that CRM never got it."""
    work_order_id = created(client)
    document = note_document(work_order_id, "DEAD_LETTERED", "crm.NotifyAccountManager", "crm", LETTER, "permanent",
                             refusal_code="Client.AccountManagerNotFound")
    document[0][0].text = "hub-note-0000000003"
    assert client.send(Envelope("hub-note-0000000003", "workorder.DeadLetterNote", "HUB",
                                etree.tostring(document))).processed
    (entry,) = entries(runtime, work_order_id)
    note = str(entry["note"])
    assert "crm refused it (Client.AccountManagerNotFound): correct the data, then replay" in note
    assert "never got" not in note and "onepoint dlq show crm" in note


def test_a_refusal_code_that_is_not_a_code_is_not_carried() -> None:
    """The code is the system's fixed one (a fault code, a c:Error Code): free text in its place (words, an
    address) is not carried into a history callers read; the refusal is still noted as one."""
    document = note_document("WO20261123A7K2M9Q1", "DEAD_LETTERED", "oa.PushTodo", "oa", LETTER, "permanent",
                             refusal_code="no such user at 10.0.0.7:8080")
    assert document.findtext("{urn:onepoint:workorder:1}RefusalCode") == "code-not-shown"


def noted(client: WorkerTestClient, runtime: WorkflowRuntime, failure_class: FailureClass | None,
          kind: str = "permanent") -> str:
    """The history note of a dead-lettered NSP dispatch whose last call got as far as ``failure_class``."""
    work_order_id = created(client)
    document = note_document(work_order_id, "DEAD_LETTERED", "nsp.NetworkComplaintDispatch", "nsp", LETTER, kind,
                             failure_class=failure_class)
    document[0][0].text = "hub-note-0000000004"
    assert client.send(Envelope("hub-note-0000000004", "workorder.DeadLetterNote", "HUB",
                                etree.tostring(document))).processed
    (entry,) = entries(runtime, work_order_id)
    return str(entry["note"])


def test_an_answer_nsp_gave_is_never_noted_as_never_got(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """NSP answered the dispatch with something the hub could not read: it got it and may hold a ticket, so the
    supervisors are told to ask NSP before dispatching again (two tickets), not that NSP never got it."""
    note = noted(client, runtime, FailureClass.UNREADABLE_ANSWER)
    assert "never got" not in note
    assert "nsp answered but its answer could not be read: it may hold a ticket" in note
    assert "ask nsp before dispatching again" in note


def test_a_timeout_is_noted_as_nsp_may_have_it(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    note = noted(client, runtime, FailureClass.TIMED_OUT, kind="exhausted")
    assert "never got" not in note and "did not answer in time, it may have got it" in note


def test_only_a_connection_never_made_is_never_got(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert "nsp never got it" in noted(client, runtime, FailureClass.NOT_CONNECTED)


def test_a_failure_of_unknown_reach_says_it_is_not_known(client: WorkerTestClient,
                                                         runtime: WorkflowRuntime) -> None:
    note = noted(client, runtime, None)
    assert "never got" not in note and "whether nsp got it is not known" in note
