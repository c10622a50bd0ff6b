"""NSP's ticket reaches the work order when NSP accepts the dispatch, through the whole running system on memory://
(as test_nsp_withdrawal_end_to_end.py: the hub's ingress, broker and workers, the emulators over HTTP): the
hotline's Dispatch → the workflow's ``nsp.NetworkComplaintDispatch`` → the NSP adapter → the NSP emulator, whose
ticket id the adapter tells the work order (``workorder.NspDispatchNote``) before NSP replies; NSP's reply naming
that ticket is then taken. The note is the hub's own: a caller POSTing it at /xml or /soap is refused."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from hub.workers import DeadLetterQueues
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    CATEGORY,
    EXAMPLES,
    NS,
    HotlineAgent,
    history,
    seeded_emulators,
    settle,
    text,
    vip_with_account_manager,
)
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.integration

CS_USER, CS_PASSWORD = "cs-frontend", "cs-dev-password"  # the complaint front end (hub/config/defaults.toml)


def recorded_tickets(work_order: etree._Element) -> list[str]:
    return [e["NewValue"] for e in history(work_order) if e.get("Field") == "nsp_nspticketid"]


def test_nsps_ticket_is_on_the_work_order_before_nsp_replies(tmp_path: Path, emulator_factory: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "dispatch-note-e2e-audit-key-0123456789abcdefghij")
    monkeypatch.chdir(tmp_path)
    start_emulator = seeded_emulators(emulator_factory)  # NSP replies only when told
    vip = vip_with_account_manager()
    complaint = {"Msisdn": vip.msisdn, "ContactNumber": vip.msisdn, "CategoryCode": CATEGORY,
                 "Area/c:AreaCode": vip.area_code, "Area/c:District": vip.district}
    with running_system("memory://", tmp_path, start_emulator, CALM) as hub, closing(HotlineAgent(hub)) as agent:
        nsp = hub.emulators["nsp"]
        work_order_id = text(agent.answered(agent.document("CreateWorkOrder.valid.xml", **complaint)),
                             "wo:WorkOrderId")
        assert text(agent.dispatch(work_order_id), "wo:State") == "DISPATCHED"
        (ticket,) = settle(lambda: [t for t in nsp.state()["tickets"] if t["work_order_id"] == work_order_id],
                           "NSP to open a ticket for the dispatch")

        # -- NSP accepted: its ticket is on the work order, which stays DISPATCHED, NSP not having replied --------
        def with_ticket() -> list[etree._Element]:
            found = agent.query(work_order_id)
            return [found] if recorded_tickets(found) else []

        (dispatched,) = settle(with_ticket, "the NSP adapter to tell the work order NSP's ticket")
        assert recorded_tickets(dispatched) == [ticket["ticket_id"]]
        assert text(dispatched, "wo:State") == "DISPATCHED" and nsp.state()["callbacks"] == []

        # -- NSP's reply names that ticket: taken ---------------------------------------------------------------
        replied = nsp.http.post(f"/nsp/tickets/{ticket['ticket_id']}/reply", json={"resolved": True})
        assert replied.status_code == 200, replied.text
        settle(lambda: text(agent.query(work_order_id), "wo:State") == "IN_PROGRESS",
               "NSP's reply to start the work order")

        # -- the note is the hub's own: a caller sending it is refused at /xml and at /soap ---------------------
        note = etree.parse(str(EXAMPLES / "NspDispatchNote.valid.xml")).getroot()
        note.find("wo:WorkOrderId", NS).text = work_order_id
        note.find("wo:NspTicketId", NS).text = "NSP20261123000999"
        as_hub = etree.tostring(note, xml_declaration=True, encoding="UTF-8")
        forbidden = agent.http.post("/xml/workorder", content=as_hub)
        assert forbidden.status_code == 403, forbidden.text
        assert etree.fromstring(forbidden.content).findtext("c:Code", namespaces=NS) == "forbidden"
        soap = httpx.post(f"{hub.base_url}/soap/workorder", content=envelope(as_hub, security_header(
            CS_USER, CS_PASSWORD)), headers={"content-type": "text/xml; charset=utf-8",
                                             "soapaction": '"NspDispatchNote"'})
        assert soap.status_code == 500
        assert etree.fromstring(soap.content).findtext(".//faultcode") == "soap:Client.NotAuthorized", soap.text
        note.find("wo:Header/c:SourceSystem", NS).text = "CS"  # as its own: the workflow refuses it
        note.find("wo:Header/c:MessageId", NS).text = "cs-e2e-note-000000001"
        own = agent.http.post("/xml/workorder", content=etree.tostring(note, xml_declaration=True, encoding="UTF-8"))
        assert own.status_code == 422, own.text
        assert etree.fromstring(own.content).findtext("c:Code", namespaces=NS) == "not-from-hub"

        work_order = agent.query(work_order_id)
        dead = DeadLetterQueues(hub.broker).counts()

    assert recorded_tickets(work_order) == [ticket["ticket_id"]] * 2  # NSP's acceptance, then its reply
    assert not any(dead.values()), dead  # nothing dead-lettered
