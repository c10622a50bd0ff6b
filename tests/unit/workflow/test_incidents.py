"""Mass-complaint incidents through the workflow's handlers (no broker), on SQLite with a ManualClock (again on
PostgreSQL: tests/integration/workflow/test_incidents_on_postgres.py).

Ten complaints of one phenomenon at one business hall within 30 minutes open one incident: emergency priority,
dispatched to NSP as a mass complaint, the ten complaints its children; later ones are linked as they come;
replying to the incident replies every child with its resolution and a new burst opens a new incident.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection

import hub.workflow.taxonomy
from hub.envelope import Envelope
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store.schema import work_order_events
from tests.unit.workflow.incident_kit import (
    CALLS,
    HALL,
    NSP,
    SMS,
    children,
    client_of,
    complain,
    field,
    incidents,
    mass_dispatches,
    nsp_dispatches,
    open_incident_rows,
    query,
    settings,
    window_rows,
)
from tests.unit.workflow.kit import EXAMPLES, START, WO, act, answer, command, envelope, text

pytestmark = pytest.mark.unit


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Where a test's own runtime keeps its work orders (PostgreSQL's module gives a database of its cluster)."""
    return f"sqlite:///{tmp_path / 'own.db'}"


def clock_of(runtime: WorkflowRuntime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def burst(client: WorkerTestClient, runtime: WorkflowRuntime, count: int, *, first: int = 0,
          every: timedelta = timedelta(minutes=2), intake: str = HALL, category: str = CALLS) -> list[etree._Element]:
    """``count`` complaints of different customers, ``every`` apart (the clock moves before each but the first)."""
    answers = []
    for number in range(first, first + count):
        if number > first:
            clock_of(runtime).advance(every)
        answers.append(complain(client, number, intake=intake, category=category))
    return answers


def opened(client: WorkerTestClient, runtime: WorkflowRuntime, *, first: int = 0) -> tuple[str, list[str]]:
    """A burst of ten: the incident's id and the ten complaints' ids."""
    answers = burst(client, runtime, 10, first=first)
    incident_id = text(answers[-1], "wo:IncidentId")
    assert incident_id is not None
    return incident_id, [text(a, "wo:WorkOrderId") or "" for a in answers]


def test_nine_complaints_open_nothing_and_the_tenth_opens_one_incident(client: WorkerTestClient,
                                                                        runtime: WorkflowRuntime) -> None:
    nine = burst(client, runtime, 9)
    assert all(text(a, "wo:IncidentId") is None for a in nine)
    assert all(text(a, "wo:State") == "DISPATCHED" for a in nine)  # each dispatched at intake on its own
    assert incidents(runtime) == []
    assert len(nsp_dispatches(client)) == 9 and mass_dispatches(client) == []

    clock_of(runtime).advance(timedelta(minutes=2))  # the tenth 18 minutes after the first
    tenth = complain(client, 9)
    incident_id = text(tenth, "wo:IncidentId")
    assert incident_id is not None
    assert text(tenth, "wo:State") == "ACCEPTED"  # taken over by the incident: not dispatched on its own
    (incident,) = incidents(runtime)
    assert incident["id"] == incident_id

    found = query(client, incident_id)
    assert field(found, "TicketType") == "INCIDENT"
    assert field(found, "Priority") == "1"
    assert field(found, "State") == "DISPATCHED"
    assert field(found, "CategoryCode") == CALLS
    assert field(found, "IntakePoint") == HALL
    assert field(found, "ChildCount") == "10"
    assert text(found, "wo:WorkOrder/wo:Area/c:AreaCode") == "0755"
    description = incident["description"]
    assert "10 complaints" in description and "30 minutes" in description and HALL in description
    actions = [text(h, "wo:Action") for h in found.iterfind("wo:WorkOrder/wo:History", {"wo": WO})
               if text(h, "wo:State")]
    assert actions == ["CREATE", "ACCEPT", "DISPATCH"]
    assert incident["reply_due"] is not None and incident["first_responded_at"] is not None
    with runtime.store.engine.connect() as connection:
        kinds = [r[0] for r in connection.execute(select(work_order_events.c.kind).where(
            work_order_events.c.work_order_id == incident_id).order_by(work_order_events.c.seq))]
    assert kinds[0] == "TroubleTicketCreateEvent" and len(kinds) >= 2

    (mass,) = mass_dispatches(client)
    assert len(nsp_dispatches(client)) == 10  # nine before the incident, then one for all of them
    assert mass.findtext(f"{{{NSP}}}WorkOrderId") == incident_id
    assert mass.findtext(f"{{{NSP}}}ComplaintCount") == "10"
    assert mass.findtext(f"{{{NSP}}}Priority") == "1"
    todos = [e for e, _ in client.sent if e.command_type == "oa.PushTodo"]
    assert len(todos) == 1 and incident_id.encode() in todos[0].payload
    summary = etree.fromstring(todos[0].payload).findtext("{urn:onepoint:oa:1}Summary") or ""
    assert "Phone the handling department (NMC) now" in summary  # the domain's emergency flow: report plus a call

    linked = children(runtime, incident_id)
    assert sorted(c["id"] for c in linked) == sorted(text(a, "wo:WorkOrderId") for a in [*nine, tenth])
    for child in linked:
        view = runtime.store.get_work_order(child["id"])
        assert view is not None
        assert any(h["note"] == f"linked to incident {incident_id}" for h in view.history)
    assert open_incident_rows(runtime) == [(f"{CALLS}|{HALL}", incident_id)]


def test_complaints_31_minutes_apart_are_not_one_window(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    burst(client, runtime, 9, every=timedelta(seconds=20))
    clock_of(runtime).advance(timedelta(minutes=31))
    late = complain(client, 9)
    assert text(late, "wo:IncidentId") is None
    assert incidents(runtime) == [] and mass_dispatches(client) == []
    # the window moved on: nine more within it make ten again (the late one and nine new)
    answers = burst(client, runtime, 9, first=10, every=timedelta(minutes=1))
    assert text(answers[-1], "wo:IncidentId") is not None
    assert [int(d.findtext(f"{{{NSP}}}ComplaintCount") or 0) for d in mass_dispatches(client)] == [10]


def test_other_intake_points_and_phenomena_are_counted_apart(client: WorkerTestClient,
                                                             runtime: WorkflowRuntime) -> None:
    burst(client, runtime, 9, every=timedelta(seconds=30))
    other_hall = complain(client, 9, intake="HALL-0755-NS02")
    other_phenomenon = complain(client, 10, category=SMS)
    assert text(other_hall, "wo:IncidentId") is None and text(other_phenomenon, "wo:IncidentId") is None
    assert incidents(runtime) == []
    tenth = complain(client, 11)
    assert text(tenth, "wo:IncidentId") is not None
    (incident,) = incidents(runtime)
    assert len(children(runtime, incident["id"])) == 10  # neither the other hall's nor the SMS complaint


def test_a_level_4_refinement_is_counted_with_its_phenomenon(client: WorkerTestClient,
                                                             runtime: WorkflowRuntime) -> None:
    burst(client, runtime, 9, every=timedelta(seconds=30))
    tenth = complain(client, 9, category=CALLS + ".002")  # cannot originate, on a TD-SCDMA terminal
    assert text(tenth, "wo:IncidentId") is not None
    (incident,) = incidents(runtime)
    assert len(children(runtime, incident["id"])) == 10


@pytest.mark.parametrize("category", ["05.01.04", "07.02.02"])  # data charges too high; long queues at the hall
def test_a_burst_of_complaints_that_are_not_network_faults_opens_no_incident(client: WorkerTestClient,
                                                                             runtime: WorkflowRuntime,
                                                                             category: str) -> None:
    """A mass complaint is a network fault reported to NSP: billing or service-hall complaints are handled one by
    one by their own departments, however many arrive together."""
    answers = burst(client, runtime, 12, every=timedelta(seconds=30), category=category)
    assert all(text(a, "wo:IncidentId") is None for a in answers)
    assert incidents(runtime) == [] and mass_dispatches(client) == []


def test_a_complaint_while_the_incident_is_open_is_linked_not_dispatched(client: WorkerTestClient,
                                                                        runtime: WorkflowRuntime) -> None:
    incident_id, _ = opened(client, runtime)
    dispatched = len(nsp_dispatches(client))
    clock_of(runtime).advance(timedelta(hours=2))  # long after the window: the incident is what counts
    eleventh = complain(client, 10)
    assert text(eleventh, "wo:IncidentId") == incident_id
    assert text(eleventh, "wo:State") == "ACCEPTED"
    assert len(nsp_dispatches(client)) == dispatched
    assert field(query(client, incident_id), "ChildCount") == "11"
    found = query(client, text(eleventh, "wo:WorkOrderId") or "")
    assert field(found, "IncidentId") == incident_id and field(found, "TicketType") == "COMPLAINT"


def test_replying_to_the_incident_replies_every_child_and_sends_it_to_return_visit(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    incident_id, ids = opened(client, runtime)
    # one child in progress then pending at NSP, the last (not dispatched) suspended
    assert text(act(client, ids[0], "WorkOrderAction.valid-start.xml"), "wo:State") == "IN_PROGRESS"
    assert text(act(client, ids[0], "WorkOrderAction.valid-pend.xml"), "wo:State") == "PENDING"
    document, message_id = command("WorkOrderAction.valid-suspend.xml", WorkOrderId=ids[-1])
    until = document.find(f"{{{WO}}}Suspend/{{{WO}}}Until")
    assert until is not None
    until.text = (START + timedelta(days=2)).isoformat()
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "SUSPENDED"

    clock_of(runtime).advance(timedelta(minutes=40))
    replied = act(client, incident_id, "WorkOrderAction.valid-reply.xml")
    assert text(replied, "wo:State") == "REPLIED"
    resolution = "Calls from the area work again since 11:05; tested with the customer's number."
    linked = children(runtime, incident_id)
    assert len(linked) == 10
    for child in linked:
        assert child["state"] == WorkOrderState.REPLIED.value
        assert child["return_visit_due"] is not None  # sent to return visit
        view = runtime.store.get_work_order(child["id"])
        assert view is not None
        reply = [h for h in view.history if h["action"] == "REPLY"]
        assert len(reply) == 1 and resolution in reply[0]["note"] and incident_id in reply[0]["note"]
    assert open_incident_rows(runtime) == [] and window_rows(runtime) == 0
    incident = runtime.store.get_work_order(incident_id)  # no customer to call back: its children are visited
    assert incident is not None and incident.row["return_visit_due"] is None
    assert [d["kind"] for d in incident.deadlines if d["fired_at"] is None] == []

    # a new burst opens a new incident; nine are not enough
    clock_of(runtime).advance(timedelta(minutes=5))
    nine = burst(client, runtime, 9, first=100, every=timedelta(minutes=1))
    assert all(text(a, "wo:IncidentId") is None for a in nine)
    clock_of(runtime).advance(timedelta(minutes=1))
    second_id = text(complain(client, 109), "wo:IncidentId")
    assert second_id is not None and second_id != incident_id
    assert len(children(runtime, second_id)) == 10  # the nine after the reply and the tenth, within 30 minutes
    assert len(mass_dispatches(client)) == 2


def test_an_incident_replied_unresolved_says_so_once_in_each_childs_reply(client: WorkerTestClient,
                                                                         runtime: WorkflowRuntime) -> None:
    incident_id, _ = opened(client, runtime)
    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=incident_id)
    resolved = document.find(f"{{{WO}}}Reply/{{{WO}}}Resolved")
    assert resolved is not None
    resolved.text = "false"
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "REPLIED"
    for child in children(runtime, incident_id):
        view = runtime.store.get_work_order(child["id"])
        assert view is not None
        (reply,) = [h for h in view.history if h["action"] == "REPLY"]
        assert reply["note"].count("Resolved: false") == 1, reply["note"]
        assert reply["note"].startswith(f"incident {incident_id} resolved: Calls from the area work again")


def test_nsps_resolved_answer_on_the_incident_resolves_its_children(client: WorkerTestClient,
                                                                    runtime: WorkflowRuntime) -> None:
    incident_id, _ = opened(client, runtime)
    reply = etree.parse(str(EXAMPLES / "nsp" / "NetworkComplaintReply.valid.xml")).getroot()
    reply.find(f"{{{NSP}}}WorkOrderId").text = incident_id
    assert reply.findtext(f"{{{NSP}}}Resolved") == "true"
    result = reply.findtext(f"{{{NSP}}}Result") or ""
    client.send(Envelope("nsp-20261123-120000-0001", "nsp.NetworkComplaintReply", "NSP", etree.tostring(reply)))
    assert field(query(client, incident_id), "State") == "REPLIED"
    for child in children(runtime, incident_id):
        assert child["state"] == WorkOrderState.REPLIED.value
        view = runtime.store.get_work_order(child["id"])
        assert view is not None
        assert any(h["action"] == "REPLY" and result[:40] in (h["note"] or "") for h in view.history)
    assert open_incident_rows(runtime) == []


def test_switched_off_ten_complaints_are_ten_complaints(database_url: str) -> None:
    runtime = open_runtime(settings(database_url, mass_incidents=False), clock=ManualClock(START))
    try:
        client = client_of(runtime)
        answers = burst(client, runtime, 12, every=timedelta(seconds=30))
        assert all(text(a, "wo:IncidentId") is None for a in answers)
        assert all(text(a, "wo:State") == "DISPATCHED" for a in answers)
        assert incidents(runtime) == [] and mass_dispatches(client) == []
        assert open_incident_rows(runtime) == [] and window_rows(runtime) == 0
    finally:
        runtime.close()


def test_a_lower_threshold_and_a_shorter_window_from_the_settings(database_url: str) -> None:
    runtime = open_runtime(settings(database_url, mass_complaint_threshold=3, mass_complaint_window_minutes=5),
                           clock=ManualClock(START))
    try:
        client = client_of(runtime)
        burst(client, runtime, 2, every=timedelta(minutes=1))
        clock_of(runtime).advance(timedelta(minutes=6))  # the window left the first two behind
        assert text(complain(client, 2), "wo:IncidentId") is None
        third = burst(client, runtime, 2, first=3, every=timedelta(minutes=1))[-1]
        assert text(third, "wo:IncidentId") is not None
        assert [d.findtext(f"{{{NSP}}}ComplaintCount") for d in mass_dispatches(client)] == ["3"]
    finally:
        runtime.close()


@pytest.fixture
def statements(runtime: WorkflowRuntime) -> Iterator[list[str]]:
    """Every statement the store executes while the test runs."""
    executed: list[str] = []

    def record(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        executed.append(statement)

    event.listen(runtime.store.engine, "before_cursor_execute", record)
    yield executed
    event.remove(runtime.store.engine, "before_cursor_execute", record)


def test_counting_costs_the_same_statements_however_full_the_store(client: WorkerTestClient, runtime: WorkflowRuntime,
                                                                    statements: list[str]) -> None:
    def window_statements_of_one_complaint(number: int, intake: str) -> list[str]:
        statements.clear()
        complain(client, number, intake=intake)
        return [s for s in statements if "complaint_windows" in s or "open_incidents" in s]

    few = window_statements_of_one_complaint(0, "HALL-A")
    for number in range(1, 40):  # 39 more complaints at 13 other halls, none reaching the threshold
        complain(client, number, intake=f"HALL-{number % 13}")
    many = window_statements_of_one_complaint(40, "HALL-B")
    assert len(few) == len(many) == 4  # the open incident, the bucket, the pruning, the sum
    assert all("work_orders" not in s for s in many)
    with runtime.store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(work_order_events)).scalar_one() >= 41


def test_a_rejected_child_gets_the_resolution_in_its_history_and_a_cancelled_incident_lets_its_key_go(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    incident_id, ids = opened(client, runtime)
    assert text(act(client, ids[1], "WorkOrderAction.valid-reject-dispatch.xml"), "wo:State") == "DISPATCH_REJECTED"
    assert text(act(client, incident_id, "WorkOrderAction.valid-reply.xml"), "wo:State") == "REPLIED"
    rejected = runtime.store.get_work_order(ids[1])
    assert rejected is not None and rejected.row["state"] == "DISPATCH_REJECTED"  # no reply from there
    (entry,) = [h for h in rejected.history if h["field"] == "incident_resolution"]
    assert "Calls from the area work again" in entry["new_value"] and incident_id in entry["note"]

    clock_of(runtime).advance(timedelta(minutes=5))
    second_id, _ = opened(client, runtime, first=100)
    assert text(act(client, second_id, "WorkOrderAction.valid-cancel.xml"), "wo:State") == "CANCELLED"
    assert open_incident_rows(runtime) == [] and window_rows(runtime) == 0
    states = {c["state"] for c in children(runtime, second_id)}
    assert "REPLIED" not in states and "CANCELLED" not in states  # the children stay, for their agents
    later = complain(client, 300)
    assert text(later, "wo:IncidentId") is None and text(later, "wo:State") == "DISPATCHED"


def test_an_incident_whose_template_cannot_be_filled_stays_accepted_for_the_manager(database_url: str,
                                                                                   tmp_path: Path) -> None:
    """A taxonomy whose network template asks for a field no complaint gives and no placeholder fills (the IMEI,
    a pattern): the incident's fault report is refused, the incident waits for its manager."""
    data = tmp_path / "taxonomy"
    shutil.copytree(Path(hub.workflow.taxonomy.__file__).parent / "data", data)
    templates = data / "templates.toml"
    text_of = templates.read_text("utf-8")
    assert '[templates.voice_originate]' in text_of
    head, _, tail = text_of.partition("[templates.voice_originate]")
    templates.write_text(head + "[templates.voice_originate]" + tail.replace('fields = ["msisdn", ',
                                                                            'fields = ["msisdn", "imei", ', 1))
    runtime = open_runtime(settings(database_url, taxonomy=data), clock=ManualClock(START))
    try:
        client = client_of(runtime)
        answers = burst(client, runtime, 10)
        incident_id = text(answers[-1], "wo:IncidentId")
        assert incident_id is not None
        found = query(client, incident_id)
        assert (field(found, "State"), field(found, "ChildCount")) == ("ACCEPTED", "10")
        assert mass_dispatches(client) == []
        assert any(e.command_type == "oa.PushTodo" and incident_id.encode() in e.payload for e, _ in client.sent)
        view = runtime.store.get_work_order(incident_id)
        assert view is not None and not any(h["action"] == "DISPATCH_REFUSED" for h in view.history)
    finally:
        runtime.close()


def test_a_cancelled_incident_tells_each_child_it_took_over_that_it_is_its_agents_again(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """The complaints the incident took over were never dispatched on their own: a cancellation left them ACCEPTED
    with nothing in their history saying the incident no longer covers them (before: no entry at all). Those
    dispatched on their own before it opened, or answered since, are not told."""
    incident_id, ids = opened(client, runtime)
    later = complain(client, 200)  # linked while the incident is open: taken over, not dispatched
    assert text(later, "wo:IncidentId") == incident_id
    assert text(act(client, ids[1], "WorkOrderAction.valid-reject-dispatch.xml"), "wo:State") == "DISPATCH_REJECTED"
    assert text(act(client, incident_id, "WorkOrderAction.valid-cancel.xml"), "wo:State") == "CANCELLED"
    states = {c["id"]: c["state"] for c in children(runtime, incident_id)}
    told = {}
    for child_id in states:
        view = runtime.store.get_work_order(child_id)
        assert view is not None
        told[child_id] = [h for h in view.history if h["field"] == "incident_cancelled"]
    taken_over = [child_id for child_id, state in states.items() if state == "ACCEPTED"]
    assert text(later, "wo:WorkOrderId") in taken_over and len(taken_over) >= 2  # the crossing one and the later one
    for child_id, entries in told.items():
        assert len(entries) == (1 if child_id in taken_over else 0), (child_id, states[child_id])
    (entry,) = told[taken_over[0]]
    assert entry["new_value"] == incident_id and "dispatch or answer it" in entry["note"]
    assert {c["state"] for c in children(runtime, incident_id)} == set(states.values())  # the states stay
