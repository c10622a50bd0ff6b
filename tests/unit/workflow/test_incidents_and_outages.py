"""Mass-complaint incidents beside outage notices and repeat callers (an outage-day audit): an incident opens for
``threshold`` different customers whose complaints nothing explains yet — not for one customer calling ten times,
nor counting complaints an outage notice linked since they were counted; an incident the notice explains, or whose
complaints it explains (any of them), is linked and replied at the clearance, so it lets its window key go instead of
swallowing later complaints, and its children the notice does not explain are answered with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.schema import complaint_windows
from tests.unit.workflow.incident_kit import (
    CALLS,
    HALL,
    children,
    complain,
    complaint_document,
    incidents,
    mass_dispatches,
    open_incident_rows,
)
from tests.unit.workflow.kit import WO, answer, envelope, text
from tests.unit.workflow.test_outage_rule import cleared_envelope, notice_envelope

pytestmark = pytest.mark.unit


def clock_of(runtime: WorkflowRuntime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def window_sum(runtime: WorkflowRuntime) -> int:
    with runtime.store.engine.connect() as connection:
        return int(connection.execute(select(func.coalesce(func.sum(complaint_windows.c.count), 0))).scalar_one())


def complaints(client: WorkerTestClient, runtime: WorkflowRuntime, numbers: list[int]) -> list[str]:
    ids = []
    for number in numbers:
        ids.append(text(complain(client, number), "wo:WorkOrderId") or "")
        clock_of(runtime).advance(timedelta(seconds=30))
    return ids


def test_one_customer_calling_ten_times_opens_no_incident(client: WorkerTestClient,
                                                          runtime: WorkflowRuntime) -> None:
    complaints(client, runtime, [99] * 10)
    assert incidents(runtime) == [] and mass_dispatches(client) == []
    assert window_sum(runtime) == 1  # recounted as what it is worth: read again only after nine more complaints
    answers = [complain(client, number) for number in range(8)]  # with eight others: nine different customers
    assert incidents(runtime) == [] and all(text(a, "wo:IncidentId") is None for a in answers)
    tenth = complain(client, 8)  # the tenth different customer
    incident_id = text(tenth, "wo:IncidentId")
    assert incident_id is not None
    (mass,) = mass_dispatches(client)
    assert mass.findtext("{urn:onepoint:nsp:1}ComplaintCount") == "19"  # every complaint of the window, the repeats too


def test_complaints_an_outage_explained_do_not_count_towards_an_incident(client: WorkerTestClient,
                                                                       runtime: WorkflowRuntime) -> None:
    complaints(client, runtime, list(range(9)))
    assert client.send(notice_envelope()).processed  # a late notice links the nine
    clock_of(runtime).advance(timedelta(minutes=5))
    assert client.send(cleared_envelope()).processed  # and replies them at its clearance
    clock_of(runtime).advance(timedelta(minutes=2))
    after = complain(client, 99)
    assert text(after, "wo:IncidentId") is None and incidents(runtime) == []


def test_the_clearance_replies_an_incident_the_notice_explains_and_lets_its_key_go(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    ids = complaints(client, runtime, list(range(10)))
    (incident,) = incidents(runtime)
    assert open_incident_rows(runtime) == [(f"{CALLS}|{HALL}", incident["id"])]
    assert client.send(notice_envelope()).processed  # the notice explains the incident and its children
    clock_of(runtime).advance(timedelta(minutes=5))
    assert client.send(cleared_envelope()).processed
    for work_order_id in [incident["id"], *ids]:
        view = runtime.store.get_work_order(work_order_id)
        assert view is not None and view.row["state"] == "REPLIED", (work_order_id, view and view.row["state"])
    assert open_incident_rows(runtime) == []
    clock_of(runtime).advance(timedelta(hours=3))
    later = complain(client, 50)  # a complaint at the hall hours later is a complaint of its own, dispatched
    assert text(later, "wo:IncidentId") is None and text(later, "wo:State") == "DISPATCHED"


def test_an_incident_whose_children_the_notice_explains_is_linked_and_replied_with_every_child(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    ids = []
    for number in range(10):  # nine Futian customers, then one of Nanshan crosses the threshold at the Futian hall
        document, message_id = complaint_document(number)
        district = document.find(f"{{{WO}}}Area/{{urn:onepoint:common:1}}District")
        assert district is not None
        district.text = "Futian" if number < 9 else "Nanshan"
        ids.append(text(answer(client.request(envelope(document, message_id))), "wo:WorkOrderId") or "")
        clock_of(runtime).advance(timedelta(minutes=1))
    (incident,) = incidents(runtime)
    assert incident["district"] == "Nanshan"  # the crossing complaint's: the Futian notice does not explain it
    assert client.send(notice_envelope()).processed  # it explains nine of its children: the incident is linked too
    linked = runtime.store.get_work_order(incident["id"])
    assert linked is not None and linked.row["outage_id"] is not None
    assert [h["action"] for h in linked.history if h["field"] == "outage_id"] == ["OUTAGE_LINK"]
    clock_of(runtime).advance(timedelta(minutes=30))
    assert client.send(cleared_envelope()).processed
    states = {child["id"]: child["state"] for child in children(runtime, incident["id"])}
    assert states == {work_order_id: "REPLIED" for work_order_id in ids}
    nanshan = runtime.store.get_work_order(ids[-1])  # not explained by the notice: answered with the incident
    assert nanshan is not None and nanshan.row["outage_id"] is None
    (reply,) = [h for h in nanshan.history if h["action"] == "REPLY"]
    assert reply["note"].startswith(f"incident {incident['id']} resolved: ") and "cleared at" in reply["note"]
    replied = runtime.store.get_work_order(incident["id"])
    assert replied is not None and replied.row["state"] == "REPLIED" and open_incident_rows(runtime) == []
    clock_of(runtime).advance(timedelta(hours=3))
    later = complain(client, 50)  # the hall's next complaint is its own, dispatched
    assert text(later, "wo:IncidentId") is None and text(later, "wo:State") == "DISPATCHED"
