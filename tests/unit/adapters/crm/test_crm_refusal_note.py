"""A CRM notice CRM refuses in its own words (``Client.AccountManagerNotFound``: a business refusal, dead-lettered
once) tells its work order so: the ``workorder.DeadLetterNote`` carries the refusal's fixed code (the SOAP fault
code, never its text), and the history says CRM refused it (``tests/unit/workflow/test_dead_letter_note``). Before,
the note had no reason at all and the history said CRM never got the notice. A failure that is not the system's
own refusal (retries exhausted, an answer that fails its XSD) carries no code, as before."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
import respx
from lxml import etree

from adapters.crm import CrmClient, handlers
from hub.envelope import Envelope
from hub.gateways import CircuitBreakers, SoapGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import BASE_URL, WSDL_URL, command, registry, settings, soap_fault, wsdl

pytestmark = pytest.mark.unit


@pytest.fixture
def crm() -> Iterator[tuple[respx.Route, WorkerTestClient]]:
    with respx.mock(assert_all_called=False) as router:
        router.get(WSDL_URL).respond(200, content=wsdl("crm"), headers={"content-type": "text/xml"})
        gateway = SoapGateway(settings("crm"), registry().get("crm"), breakers=CircuitBreakers())
        try:
            yield router.post(BASE_URL), WorkerTestClient(handlers, consumer="crm",
                                                          dependencies={"crm": CrmClient(gateway)})
        finally:
            gateway.close()


def notice() -> Envelope:
    return replace(command("crm/NotifyAccountManager.valid.xml", message_id="hub-notice-00000001"),
                   source_system="HUB")


def note_fields(client: WorkerTestClient) -> dict[str, str]:
    (note,) = [etree.fromstring(e.payload) for e, targets in client.sent
               if e.command_type == "workorder.DeadLetterNote" and targets == ("workflow",)]
    return {etree.QName(child).localname: child.text or "" for child in note[1:]}


def test_crms_refusal_is_noted_with_its_fault_code(crm: tuple[respx.Route, WorkerTestClient]) -> None:
    route, client = crm
    route.respond(500, content=soap_fault("Client.AccountManagerNotFound", "no manager am-0755-0042 at 10.1.2.3"))
    assert client.send(notice()).dead
    fields = note_fields(client)
    assert (fields["Outcome"], fields["Kind"]) == ("DEAD_LETTERED", "permanent")
    assert fields["RefusalCode"] == "Client.AccountManagerNotFound"  # the code alone: no text, no address


def test_any_other_refusal_of_crms_own_is_noted_with_its_code(crm: tuple[respx.Route, WorkerTestClient]) -> None:
    route, client = crm
    route.respond(500, content=soap_fault("Client.InvalidChannel", "channel FAX is not offered"))
    assert client.send(notice()).dead
    assert note_fields(client)["RefusalCode"] == "Client.InvalidChannel"


def test_a_failure_crm_did_not_answer_with_a_refusal_carries_no_code(
        crm: tuple[respx.Route, WorkerTestClient]) -> None:
    route, client = crm
    route.respond(200, content=b"<html>a proxy's page</html>", headers={"content-type": "text/html"})
    assert client.send(notice()).dead
    assert "RefusalCode" not in note_fields(client)


def test_an_outage_that_exhausts_the_retries_carries_no_code(crm: tuple[respx.Route, WorkerTestClient]) -> None:
    route, client = crm
    route.side_effect = httpx.ReadError("connection reset by peer")
    assert client.send(notice(), on_wait=lambda _s: None).dead
    fields = note_fields(client)
    assert fields["Kind"] == "exhausted" and "RefusalCode" not in fields
