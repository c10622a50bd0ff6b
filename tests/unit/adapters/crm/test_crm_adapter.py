"""The CRM adapter: mapping on the schema examples, the handler through the worker pipeline with respx as CRM."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import respx
from lxml import etree

from adapters.crm import CrmClient, handlers
from adapters.crm.mapping import notice, notify_arguments
from hub.gateways import CircuitBreakers, SoapGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import (
    BASE_URL,
    WSDL_URL,
    command,
    example,
    registry,
    settings,
    soap_answer,
    soap_fault,
    wsdl,
)

pytestmark = pytest.mark.unit
CRM = "urn:onepoint:crm:1"
SENT = datetime(2026, 11, 23, 1, 15, 2, tzinfo=UTC)


@dataclass
class Crm:
    route: respx.Route
    client: WorkerTestClient
    breakers: CircuitBreakers


@pytest.fixture
def crm() -> Iterator[Crm]:
    breakers = CircuitBreakers()
    with respx.mock(assert_all_called=False) as router:
        router.get(WSDL_URL).respond(200, content=wsdl("crm"), headers={"content-type": "text/xml"})
        route = router.post(BASE_URL)
        gateway = SoapGateway(settings("crm"), registry().get("crm"), breakers=breakers)
        try:
            yield Crm(route, WorkerTestClient(handlers, consumer="crm", dependencies={"crm": CrmClient(gateway)}),
                      breakers)
        finally:
            gateway.close()


def test_every_field_of_the_notice_is_forwarded() -> None:
    arguments = notify_arguments(command("crm/NotifyAccountManager.valid.xml", message_id="hub-n-0000001"), SENT)
    assert arguments.pop("Header") == {"MessageId": "hub-n-0000001", "CorrelationId": "cs-corr-0001",
                                       "SourceSystem": "HUB", "SentAt": SENT}
    assert arguments["Channel"] == ["SMS", "WORK_ORDER"]
    assert (arguments["AccountManagerId"], arguments["CustomerTier"], arguments["Priority"]) == (
        "am-0755-0042", "VIP_GOLD", "1")
    assert list(arguments) == ["AccountManagerId", "Msisdn", "CustomerTier", "CustomerName", "WorkOrderId",
                               "CategoryCode", "Summary", "Channel", "Priority", "DueAt"]


def test_the_answer_gives_the_notice_id() -> None:
    document = etree.fromstring(example("crm/responses/NotifyAccountManagerResponse.xml"))
    assert notice(document).notice_id == "AMN20261123000158"


def test_the_account_manager_is_notified_and_the_notice_id_recorded(crm: Crm) -> None:
    crm.route.respond(200, content=soap_answer(example("crm/responses/NotifyAccountManagerResponse.xml")))
    envelope = command("crm/NotifyAccountManager.valid.xml", message_id="hub-n-0000001")
    result = crm.client.send(envelope)
    assert result.processed and result.outcome == "notified AMN20261123000158"
    sent = etree.fromstring(crm.route.calls.last.request.content)
    assert [c.text for c in sent.iterfind(f".//{{{CRM}}}Channel")] == ["SMS", "WORK_ORDER"]
    assert crm.client.send(envelope).duplicate and crm.route.call_count == 1  # redelivered: CRM is not asked again


def test_an_unknown_account_manager_is_dead_lettered_with_the_reason(crm: Crm) -> None:
    crm.route.respond(500, content=soap_fault("Client.AccountManagerNotFound", "account manager not found: am-x"))
    result = crm.client.send(command("crm/NotifyAccountManager.valid.xml"))
    assert result.dead and result.attempts == 1
    assert result.reason is not None and "CRM knows no account manager am-0755-0042" in result.reason


def test_a_reset_connection_is_retried(crm: Crm) -> None:
    crm.route.side_effect = [httpx.ReadError("connection reset by peer"),
                             httpx.Response(200, content=soap_answer(
                                 example("crm/responses/NotifyAccountManagerResponse.xml")))]
    result = crm.client.send(command("crm/NotifyAccountManager.valid.xml"))
    assert result.processed and result.attempts == 2
