"""A mass complaint through the whole running system, on memory:// and on a real RabbitMQ: ten customers complain
of the same phenomenon at one business hall (CreateWorkOrder with IntakePoint through the XML ingress), the tenth
opens an incident, and the NSP emulator receives ONE NetworkComplaintDispatch — MassComplaint true, ComplaintCount
10, priority 1 — instead of ten (its journal). NSP's resolved reply (through its admin API, called back through the
ingress) resolves the incident and every one of the ten complaints with it.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from emulators.population import generate_population
from hub.workers import DeadLetterQueues
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    CATEGORY,
    NS,
    SEED,
    SUBSCRIBERS,
    WO,
    HotlineAgent,
    broker_url,  # noqa: F401 - the fixture: memory:// and RabbitMQ
    seeded_emulators,
    settle,
    text,
)

HALL = "HALL-0755-FT01"
MASS = "//*[local-name()='MassComplaint']='true'"


def complaint_at_the_hall(agent: HotlineAgent, msisdn: str) -> etree._Element:
    """CreateWorkOrder from the example (no dispatch fields: nothing goes to NSP on its own) taken at the hall."""
    document = agent.document("CreateWorkOrder.valid.xml", Msisdn=msisdn, ContactNumber=msisdn,
                              CategoryCode=CATEGORY)
    taken_by = document.find("wo:TakenBy", NS)
    assert taken_by is not None
    point = etree.Element(f"{{{WO}}}IntakePoint")
    point.text = HALL
    taken_by.addnext(point)
    return document


def test_ten_complaints_at_one_hall_reach_nsp_as_one_mass_complaint(
        broker_url: str, tmp_path: Path, emulator_factory: Any,  # noqa: F811 - the fixture imported above
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "workflow-incident-e2e-audit-key-0123456789abcdef")
    monkeypatch.chdir(tmp_path)

    start_emulator = seeded_emulators(emulator_factory)

    customers = [s.msisdn for s in generate_population(SEED, SUBSCRIBERS).subscribers[:11]]
    with running_system(broker_url, tmp_path, start_emulator, CALM) as hub, closing(HotlineAgent(hub)) as agent:
        nsp, oa = hub.emulators["nsp"], hub.emulators["oa"]
        answers = [agent.answered(complaint_at_the_hall(agent, msisdn)) for msisdn in customers[:10]]
        assert all(a.find("wo:IncidentId", NS) is None for a in answers[:9])
        incident_id = text(answers[9], "wo:IncidentId")

        incident = agent.query(incident_id)
        assert (text(incident, "wo:TicketType"), text(incident, "wo:Priority")) == ("INCIDENT", "1")
        assert (text(incident, "wo:State"), text(incident, "wo:ChildCount")) == ("DISPATCHED", "10")
        assert text(incident, "wo:IntakePoint") == HALL

        # NSP's journal: one dispatch, the incident's, a mass complaint of ten at priority 1
        of_incident = (f"//*[local-name()='WorkOrderId']='{incident_id}' and {MASS} and "
                       "//*[local-name()='ComplaintCount']='10' and //*[local-name()='Priority']='1'")
        settle(lambda: nsp.admin.count("NetworkComplaintDispatch", xpath=of_incident), "NSP to get the fault report")
        nsp.assert_called("NetworkComplaintDispatch", times=1)
        (ticket,) = settle(lambda: [t for t in nsp.state()["tickets"] if t["work_order_id"] == incident_id],
                           "NSP to open a ticket for the incident")
        settle(lambda: oa.admin.count("PushTodo", xpath=f"//*[local-name()='WorkOrderId']='{incident_id}'"),
               "OA to get the manager's to-do")

        # an eleventh complaint while it is open: linked, nothing more for NSP
        eleventh = agent.answered(complaint_at_the_hall(agent, customers[10]))
        assert text(eleventh, "wo:IncidentId") == incident_id
        assert text(agent.query(incident_id), "wo:ChildCount") == "11"

        # NSP resolves the fault: the incident and its eleven complaints are replied
        replied = nsp.http.post(f"/nsp/tickets/{ticket['ticket_id']}/reply", json={"resolved": True})
        assert replied.status_code == 200, replied.text
        settle(lambda: text(agent.query(incident_id), "wo:State") == "REPLIED", "NSP's reply to resolve the incident")
        child_ids = [text(a, "wo:WorkOrderId") for a in [*answers, eleventh]]
        children = [agent.query(child_id) for child_id in child_ids]
        nsp.assert_called("NetworkComplaintDispatch", times=1)
        dead = DeadLetterQueues(hub.broker).counts()

    for child in children:
        assert text(child, "wo:State") == "REPLIED"
        assert text(child, "wo:IncidentId") == incident_id
        assert child.find("wo:Deadlines/wo:ReturnVisitDue", NS) is not None  # sent to return visit
        notes = [entry.findtext("wo:Note", namespaces=NS) or "" for entry in child.iterfind("wo:History", NS)
                 if entry.findtext("wo:Action", namespaces=NS) == "REPLY"]
        assert len(notes) == 1 and notes[0].startswith(f"incident {incident_id} resolved: ")
    assert not any(dead.values()), dead
