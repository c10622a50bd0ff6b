"""Customer service's feedback on a network notice (``nsp.NoticeFeedback``, the information notice's "feedback from
customer service"): routed by the built-in table to the NSP adapter, which gives it to NSP; the NSP emulator records
it with the notice (DUPLICATE for a repeat, 404 for a notice it does not hold) and carries it back in the notice's
next revision."""

from __future__ import annotations

import pytest
import respx
from lxml import etree

from adapters.nsp import NspClient, handlers
from emulators.nsp import create_emulator
from emulators.toolkit import FakeClock, in_process_emulator
from hub.gateways import CircuitBreakers, XmlGateway
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import BASE_URL, command, example, registry, settings

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}
PLANNED = {"kind": "PLANNED_WORK", "adjustment_kind": "CUT_OVER", "title": "Cut-over", "areas": ["0571"],
           "services": ["VOICE"], "wording": "A cut-over tonight ..."}


def feedback(notice_id: str, message_id: str = "cs-20261124-093500-0001") -> bytes:
    return (example("nsp/NoticeFeedback.valid.xml").replace(b"ADJ-20261122-0012", notice_id.encode())
            .replace(b"cs-20261124-093500-0001", message_id.encode()))


def test_the_built_in_table_routes_the_feedback_to_the_nsp_adapter() -> None:
    sets = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=sets.command_types())
    assert table.targets(command("nsp/NoticeFeedback.valid.xml")) == ("nsp",)


def test_the_emulator_records_the_feedback_and_carries_it_back() -> None:
    with in_process_emulator(create_emulator(seed=1, reply_delay=0, clock=FakeClock())) as nsp:
        notice_id = nsp.http.post("/nsp/outages", json=PLANNED).json()["notice_id"]
        answer = etree.fromstring(nsp.http.post("/xml", content=feedback(notice_id), headers=XML).content)
        assert answer.findtext(".//{*}Status") == "ACCEPTED"
        again = etree.fromstring(nsp.http.post("/xml", content=feedback(notice_id), headers=XML).content)
        assert again.findtext(".//{*}Status") == "DUPLICATE"
        (kept,) = nsp.http.get("/nsp/outages").json()["notices"]
        (given,) = kept["feedback_received"]
        assert (given["given_by"], given["revision"]) == ("agent-1024", 1)
        assert kept["customer_service_feedback"].startswith("Customers in Binjiang")
        revised = nsp.http.post("/nsp/outages", json={**PLANNED, "notice_id": notice_id,
                                                      "sender_answer": "Data drops for 5 minutes."}).json()
        assert revised["revision"] == 2 and revised["customer_service_feedback"].startswith("Customers in Binjiang")
        assert revised["sender_answer"] == "Data drops for 5 minutes."
        unknown = nsp.http.post("/xml", content=feedback("ADJ-20261122-9999", "cs-20261124-093500-0009"),
                                headers=XML)
        assert unknown.status_code == 404 and b"unknown-notice" in unknown.content


def test_the_adapter_gives_the_feedback_to_nsp() -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.post(BASE_URL)
        route.respond(200, content=example("nsp/responses/NoticeFeedbackResponse.xml"), headers=XML)
        gateway = XmlGateway(settings("nsp", username=None, password=None, token="hub-token"), registry().get("nsp"),
                             breakers=CircuitBreakers())
        try:
            client = WorkerTestClient(handlers, consumer="nsp", dependencies={"nsp": NspClient(gateway)})
            result = client.send(command("nsp/NoticeFeedback.valid.xml", message_id="cs-20261124-093500-0001"))
            assert result.processed and result.outcome == "feedback on ADJ-20261122-0012 given to NSP"
            posted = etree.fromstring(route.calls.last.request.content)
            assert posted.tag == "{urn:onepoint:nsp:1}NoticeFeedback"
            assert posted.findtext("{urn:onepoint:nsp:1}Feedback", "").startswith("Customers in Binjiang")
        finally:
            gateway.close()


def revision_of(body: bytes, revision: int) -> bytes:
    return body.replace(b"<nsp:Revision>1</nsp:Revision>", f"<nsp:Revision>{revision}</nsp:Revision>".encode())


def test_the_emulator_refuses_feedback_on_a_revision_the_notice_never_had_and_on_a_cleared_notice() -> None:
    """As a real NSP would (the walkthrough audit): a revision above the notice's current one was never shown to the
    agents, and a cleared notice has no next revision to carry the feedback back."""
    assert b"<nsp:Revision>1</nsp:Revision>" in example("nsp/NoticeFeedback.valid.xml")
    with in_process_emulator(create_emulator(seed=1, reply_delay=0, clock=FakeClock())) as nsp:
        notice_id = nsp.http.post("/nsp/outages", json=PLANNED).json()["notice_id"]
        future = nsp.http.post("/xml", content=revision_of(feedback(notice_id, "cs-20261124-093500-0011"), 9),
                               headers=XML)
        assert future.status_code == 409 and b"unknown-revision" in future.content
        nsp.http.post(f"/nsp/outages/{notice_id}/clear", json={})
        cleared = nsp.http.post("/xml", content=feedback(notice_id, "cs-20261124-093500-0012"), headers=XML)
        assert cleared.status_code == 409 and b"notice-cleared" in cleared.content
        (kept,) = nsp.http.get("/nsp/outages").json()["notices"]
        assert kept["feedback_received"] == [] and kept["customer_service_feedback"] is None


def test_a_feedback_nsp_refuses_is_dead_lettered_with_nsps_reason() -> None:
    refusal = (b'<c:Error xmlns:c="urn:onepoint:common:1"><c:Code>notice-cleared</c:Code>'
               b'<c:Message>notice ADJ-20261122-0012 is cleared</c:Message></c:Error>')
    with respx.mock(assert_all_called=False) as router:
        router.post(BASE_URL).respond(409, content=refusal, headers=XML)
        gateway = XmlGateway(settings("nsp", username=None, password=None, token="hub-token"), registry().get("nsp"),
                             breakers=CircuitBreakers())
        try:
            client = WorkerTestClient(handlers, consumer="nsp", dependencies={"nsp": NspClient(gateway)})
            result = client.send(command("nsp/NoticeFeedback.valid.xml", message_id="cs-20261124-093500-0002"))
            assert result.dead and result.attempts <= 1
            assert result.reason is not None and "notice-cleared" in result.reason
        finally:
            gateway.close()
