"""NSP is answered the workflow's verdict on its NetworkComplaintReply at ``POST /xml/nsp``, through the whole running
system on memory:// (the hub's ingress, broker and workers, the emulators over HTTP): a reply naming a work order
the hub never had, or another ticket than the one NSP accepted the dispatch with, is 422 with the ``c:Error`` naming
the code and the field at fault (nothing dead-lettered, nothing written); NSP's reply to its own ticket is 200
``NetworkComplaintReplyResponse`` COMPLETED, and its resend under the same MessageId the same answer, applied once."""

from __future__ import annotations

import uuid
from contextlib import closing
from datetime import UTC, datetime
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
    HotlineAgent,
    history,
    seeded_emulators,
    settle,
    text,
    vip_with_account_manager,
)

pytestmark = pytest.mark.integration

NSP = "urn:onepoint:nsp:1"
C = "urn:onepoint:common:1"
NS = {"nsp": NSP, "c": C}
REPLY = Path(__file__).resolve().parents[3] / "schemas" / "examples" / "nsp" / "NetworkComplaintReply.valid.xml"
NSP_TOKEN = "nsp-dev-token"  # NSP's development bearer token (hub/config/defaults.toml)


def nsp_reply(work_order_id: str, ticket_id: str, dispatch_id: str, message_id: str | None = None) -> bytes:
    document = etree.parse(str(REPLY)).getroot()
    for path, value in {"nsp:Header/c:MessageId": message_id or f"nsp-e2e-{uuid.uuid4().hex[:12]}",
                        "nsp:Header/c:SentAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
                        "nsp:Header/c:CorrelationId": dispatch_id, "nsp:WorkOrderId": work_order_id,
                        "nsp:NspTicketId": ticket_id}.items():
        document.find(path, NS).text = value
    related = document.find("nsp:RelatedNoticeId", NS)
    if related is not None:  # no such notice at the hub
        document.remove(related)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8")


def refusal(answer: httpx.Response) -> tuple[int, str | None, str | None]:
    root = etree.fromstring(answer.content)
    return (answer.status_code, root.findtext("c:Code", namespaces=NS),
            root.findtext("c:Violation/c:Path", namespaces=NS))


def test_nsp_is_answered_whether_its_reply_took_effect(tmp_path: Path, emulator_factory: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "nsp-reply-answers-e2e-audit-key-0123456789abcdef")
    monkeypatch.chdir(tmp_path)
    vip = vip_with_account_manager()
    complaint = {"Msisdn": vip.msisdn, "ContactNumber": vip.msisdn, "CategoryCode": CATEGORY,
                 "Area/c:AreaCode": vip.area_code, "Area/c:District": vip.district}
    with running_system("memory://", tmp_path, seeded_emulators(emulator_factory), CALM) as hub, \
            closing(HotlineAgent(hub)) as agent, \
            httpx.Client(base_url=hub.base_url, timeout=30.0, headers={
                "authorization": f"Bearer {NSP_TOKEN}", "content-type": "application/xml"}) as nsp_http:
        nsp = hub.emulators["nsp"]
        work_order_id = text(agent.answered(agent.document("CreateWorkOrder.valid.xml", **complaint)),
                             "wo:WorkOrderId")
        assert text(agent.dispatch(work_order_id), "wo:State") == "DISPATCHED"
        (ticket,) = settle(lambda: [t for t in nsp.state()["tickets"] if t["work_order_id"] == work_order_id],
                           "NSP to open a ticket for the dispatch")
        ticket_id, dispatch_id = ticket["ticket_id"], ticket["message_id"]
        settle(lambda: any(e.get("Field") == "nsp_nspticketid" for e in history(agent.query(work_order_id))),
               "the NSP adapter to tell the work order NSP's ticket")

        unknown = nsp_http.post("/xml/nsp", content=nsp_reply("WO20260101ZZZZZZZZ", ticket_id, dispatch_id))
        assert refusal(unknown) == (422, "unknown-work-order", "/nsp:NetworkComplaintReply/nsp:WorkOrderId")
        wrong = nsp_http.post("/xml/nsp", content=nsp_reply(work_order_id, "NSP20260101999999", dispatch_id))
        assert refusal(wrong) == (422, "wrong-ticket", "/nsp:NetworkComplaintReply/nsp:NspTicketId")
        assert "NSP20260101999999" in (etree.fromstring(wrong.content).findtext("c:Message", namespaces=NS) or "")
        assert text(agent.query(work_order_id), "wo:State") == "DISPATCHED"  # nothing written

        good = nsp_reply(work_order_id, ticket_id, dispatch_id)
        taken = nsp_http.post("/xml/nsp", content=good)
        assert taken.status_code == 200, taken.text
        answer = etree.fromstring(taken.content)
        assert answer.tag == f"{{{NSP}}}NetworkComplaintReplyResponse"
        assert answer.findtext("nsp:Ack/c:Status", namespaces=NS) == "COMPLETED"
        replied = agent.query(work_order_id)
        assert text(replied, "wo:State") == "IN_PROGRESS"
        again = nsp_http.post("/xml/nsp", content=good)  # NSP's resend: the recorded verdict, applied once
        assert (again.status_code, again.content) == (200, taken.content)
        assert history(agent.query(work_order_id)) == history(replied)
        dead = DeadLetterQueues(hub.broker).counts()
    assert not any(dead.values()), dead
