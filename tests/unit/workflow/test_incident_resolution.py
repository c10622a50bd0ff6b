"""An incident's resolution reaching every child whatever the incident's state and however long its words: a Result
of the whole c:LongText leaves each child's history within what QueryWorkOrder may answer (a child's note quotes it
after its own words), and NSP's resolved answer on an incident that is PENDING or SUSPENDED brings it back first, as
its children are brought back, then replies it and them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import HISTORY_TEXT_LENGTH, HistoryEntry
from tests.unit.workflow.incident_kit import NSP, children, complain, field, open_incident_rows, query
from tests.unit.workflow.kit import EXAMPLES, START, WO, act, answer, command, envelope, text

pytestmark = pytest.mark.unit

C = "urn:onepoint:common:1"
LONGEST = "Calls work again. " + "x" * (4000 - 18)  # a Result of the whole c:LongText


def opened(client: WorkerTestClient, runtime: WorkflowRuntime) -> str:
    """Ten customers' complaints at the hall, two minutes apart: the incident they opened."""
    assert isinstance(runtime.clock, ManualClock)
    answers = []
    for number in range(10):
        if number:
            runtime.clock.advance(timedelta(minutes=2))
        answers.append(complain(client, number))
    incident_id = text(answers[-1], "wo:IncidentId")
    assert incident_id is not None
    return incident_id


def nsp_resolves(client: WorkerTestClient, incident_id: str, *, result: str | None = None) -> None:
    reply = etree.parse(str(EXAMPLES / "nsp" / "NetworkComplaintReply.valid.xml")).getroot()
    reply.find(f"{{{NSP}}}WorkOrderId").text = incident_id
    reply.find(f"{{{NSP}}}Header/{{{C}}}MessageId").text = "nsp-20261123-130000-0001"
    if result is not None:
        reply.find(f"{{{NSP}}}Result").text = result
    assert reply.findtext(f"{{{NSP}}}Resolved") == "true"
    sent = client.send(Envelope("nsp-20261123-130000-0001", "nsp.NetworkComplaintReply", "NSP",
                                etree.tostring(reply)))
    assert sent.processed, sent


def reply_with(client: WorkerTestClient, incident_id: str, result: str) -> None:
    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=incident_id)
    document.find(f"{{{WO}}}Reply/{{{WO}}}Result").text = result
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "REPLIED"


@pytest.mark.parametrize("by", ["agent", "nsp"])
def test_a_result_of_the_whole_long_text_leaves_every_child_queryable(client: WorkerTestClient,
                                                                     runtime: WorkflowRuntime, by: str) -> None:
    incident_id = opened(client, runtime)
    if by == "agent":
        reply_with(client, incident_id, LONGEST)
    else:
        nsp_resolves(client, incident_id, result=LONGEST)
    linked = children(runtime, incident_id)
    assert len(linked) == 10
    for child in linked:
        found = query(client, child["id"])  # valid against workorder.xsd (the hub would refuse to send it: 502)
        assert field(found, "State") == "REPLIED"
        (note,) = [text(h, "wo:Note") for h in found.iterfind("wo:WorkOrder/wo:History", {"wo": WO})
                   if text(h, "wo:Action") == "REPLY"]
        assert note is not None and len(note) == HISTORY_TEXT_LENGTH and note.endswith("…")
        assert note.startswith(f"incident {incident_id} resolved: Calls work again. xxx")


def test_every_history_text_is_bounded_to_what_query_work_order_answers() -> None:
    entry = HistoryEntry(at=START, kind="field", field="nsp_result", old_value="o" * 4001, new_value="n" * 9000,
                         note="short")
    assert entry.old_value == "o" * 3999 + "…" and entry.new_value == "n" * 3999 + "…" and entry.note == "short"
    assert entry.columns()["new_value"] == entry.new_value
    exact = HistoryEntry(at=START, kind="state", note="x" * HISTORY_TEXT_LENGTH)
    assert exact.note == "x" * HISTORY_TEXT_LENGTH  # the whole c:LongText is kept as it is


def test_a_long_field_written_through_the_engine_stays_answerable(client: WorkerTestClient,
                                                                  runtime: WorkflowRuntime) -> None:
    incident_id = opened(client, runtime)
    with runtime.store.transaction() as tx:
        runtime.engine.note(tx, incident_id, {"nsp_result": "y" * 5000}, actor="hub", system="HUB",
                            now=runtime.clock.now(), note="z" * 5000)
    entries = list(query(client, incident_id).iterfind("wo:WorkOrder/wo:History", {"wo": WO}))
    (entry,) = [h for h in entries if text(h, "wo:Field") == "nsp_result"]
    assert len(text(entry, "wo:NewValue") or "") == len(text(entry, "wo:Note") or "") == HISTORY_TEXT_LENGTH


@pytest.mark.parametrize(("step", "paused", "brought_back"), [
    ("WorkOrderAction.valid-request-info.xml", "PENDING", "SUPPLY_INFO"),
    ("WorkOrderAction.valid-suspend.xml", "SUSPENDED", "RESUME"),
])
def test_nsps_resolved_answer_on_a_paused_incident_brings_it_back_and_replies_every_child(
        client: WorkerTestClient, runtime: WorkflowRuntime, step: str, paused: str, brought_back: str) -> None:
    incident_id = opened(client, runtime)
    assert text(act(client, incident_id, "WorkOrderAction.valid-start.xml"), "wo:State") == "IN_PROGRESS"
    assert text(act(client, incident_id, step), "wo:State") == paused
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(hours=1))
    nsp_resolves(client, incident_id)
    found = query(client, incident_id)
    assert field(found, "State") == "REPLIED"
    changes = [text(h, "wo:Action") for h in found.iterfind("wo:WorkOrder/wo:History", {"wo": WO})
               if text(h, "wo:State") is not None]  # the state entries
    assert changes[-2:] == [brought_back, "REPLY"]
    assert {child["state"] for child in children(runtime, incident_id)} == {"REPLIED"}
    assert open_incident_rows(runtime) == []
