"""The CRM adapter: mapping on the schema examples, the handlers through the worker pipeline with respx as CRM
(outage notices: one NotifyAreaOutage command sent through the recording outbound path, validated and routed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import respx
from lxml import etree

from adapters.crm import CrmClient, handlers
from adapters.crm.mapping import (
    area_outage_arguments,
    area_outage_document,
    area_outage_told,
    notice,
    notify_arguments,
)
from hub.envelope import Envelope
from hub.gateways import CircuitBreakers, SoapGateway
from hub.routing.outbound import derive_message_id
from hub.validation import DocumentValidator
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import (
    BASE_URL,
    WSDL_URL,
    C,
    command,
    echoing,
    example,
    in_turn,
    registry,
    settings,
    soap_answer,
    soap_fault,
    wsdl,
)

pytestmark = pytest.mark.unit
CRM = "urn:onepoint:crm:1"
NSP = "urn:onepoint:nsp:1"
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
    crm.route.side_effect = echoing(soap_answer(example("crm/responses/NotifyAccountManagerResponse.xml")))
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
    crm.route.side_effect = in_turn(httpx.ReadError("connection reset by peer"),
                                    soap_answer(example("crm/responses/NotifyAccountManagerResponse.xml")))
    result = crm.client.send(command("crm/NotifyAccountManager.valid.xml"))
    assert result.processed and result.attempts == 2


# Outage notices: nsp.OutageNotice → crm.NotifyAreaOutage (through outbound) → CRM tells the areas' account managers.


def outage(name: str = "valid-fault", message_id: str = "nsp-notice-0000001") -> Envelope:
    return command(f"nsp/OutageNotice.{name}.xml", message_id=message_id, correlation_id=None)


@pytest.mark.parametrize("name", ["valid-fault", "valid-planned-work", "valid-cleared", "valid-withdrawn"])
def test_an_outage_notice_becomes_a_valid_notify_area_outage(name: str) -> None:
    notice = etree.fromstring(example(f"nsp/OutageNotice.{name}.xml"))
    document = area_outage_document(outage(name))
    document.find(f"{{{CRM}}}Header/{{{C}}}MessageId").text = "hub-test-0000001"  # the outbound path sets it
    DocumentValidator(registry()).validate_element(document)

    def nsp(field: str) -> list[str]:
        return [e.text or "" for e in notice.iterfind(f"{{{NSP}}}{field}")]

    def crm(field: str) -> list[str]:
        return [e.text or "" for e in document.iterfind(f"{{{CRM}}}{field}")]

    assert crm("OutageNoticeId") == nsp("NoticeId")
    for field in ("Revision", "Kind", "Status", "Title", "Service", "Start", "ExpectedEnd", "ClearedAt",
                  "CustomerWording"):
        assert crm(field) == nsp(field), field
    def areas(document: etree._Element, namespace: str) -> list[list[tuple[str, str | None]]]:
        return [[(c.tag, c.text) for c in area] for area in document.iterfind(f"{{{namespace}}}Area")]

    assert areas(document, CRM) == areas(notice, NSP)
    summary = crm("Summary")[0]
    assert nsp("NoticeId")[0] in summary and all(s in summary for s in nsp("Service"))
    assert ("over since" in summary) is (name == "valid-cleared")
    assert ("there was no outage" in summary) is (name == "valid-withdrawn")


def test_the_area_outage_arguments_carry_every_field() -> None:
    arguments = area_outage_arguments(command("crm/NotifyAreaOutage.valid-cleared-planned-work.xml",
                                              message_id="hub-o-0000001"), SENT)
    assert arguments.pop("Header")["MessageId"] == "hub-o-0000001"
    assert arguments["Area"] == [{"AreaCode": "020"}, {"AreaCode": "0757"}]
    assert arguments["Service"] == ["VOICE", "VOLTE"]
    assert list(arguments) == ["OutageNoticeId", "Kind", "Status", "Title", "Summary", "Area", "Service", "Start",
                               "ExpectedEnd", "ClearedAt", "CustomerWording"]


def test_the_outage_notice_sends_one_notify_area_outage_to_crm(crm: Crm) -> None:
    sent = outage()
    result = crm.client.send(sent)
    ((forwarded, targets),) = crm.client.sent
    assert result.processed and (forwarded.command_type, targets) == ("crm.NotifyAreaOutage", ("crm",))
    assert forwarded.message_id == derive_message_id(sent.message_id, "area-outage-active", "crm", sent.source_system)
    assert result.outcome == f"FLT-20261123-0007 ACTIVE: NotifyAreaOutage {forwarded.message_id} sent"
    assert crm.client.send(sent).duplicate and len(crm.client.sent) == 1  # redelivered: nothing sent twice
    assert crm.route.call_count == 0  # CRM itself is called by the NotifyAreaOutage command


def test_crm_tells_the_account_managers_and_whom_is_the_outcome(crm: Crm) -> None:
    crm.route.side_effect = echoing(soap_answer(example("crm/responses/NotifyAreaOutageResponse.xml")))
    crm.client.send(outage())
    ((forwarded, _),) = crm.client.sent
    result = crm.client.send(forwarded)
    assert result.processed and result.outcome == (
        "FLT-20261123-0007 ACTIVE: 2 account manager(s) told (am-0755-0003, am-0755-0004), 7 customer(s)")
    called = etree.fromstring(crm.route.calls.last.request.content)
    assert called.findtext(f".//{{{CRM}}}Header/{{{C}}}MessageId") == forwarded.message_id
    assert called.findtext(f".//{{{CRM}}}OutageNoticeId") == "FLT-20261123-0007"
    assert [a.findtext(f"{{{C}}}District") for a in called.iterfind(f".//{{{CRM}}}Area")] == [
        "Futian, around Shenzhen Civic Center"]


def test_a_notice_crm_was_told_before_tells_nobody_twice(crm: Crm) -> None:
    repeat = example("crm/responses/NotifyAreaOutageResponse.xml").replace(b">COMPLETED<", b">DUPLICATE<")
    crm.route.side_effect = echoing(soap_answer(repeat))
    result = crm.client.send(command("crm/NotifyAreaOutage.valid.xml", message_id="hub-o-0000002"))
    assert result.processed and result.outcome == (
        "FLT-20261123-0007 ACTIVE: told before (2 account manager(s)); nobody told twice")


def test_no_managed_customer_in_the_areas_is_said(crm: Crm) -> None:
    answer = etree.fromstring(example("crm/responses/NotifyAreaOutageResponse.xml"))
    for told in answer.findall(f"{{{CRM}}}AccountManager"):
        answer.remove(told)
    answer.find(f"{{{CRM}}}AffectedCustomers").text = "0"
    crm.route.side_effect = echoing(soap_answer(etree.tostring(answer)))
    result = crm.client.send(command("crm/NotifyAreaOutage.valid.xml"))
    assert result.outcome == "FLT-20261123-0007 ACTIVE: no VIP or group customer in the areas; no account manager told"


def test_the_told_answer_is_read() -> None:
    told = area_outage_told(etree.fromstring(example("crm/responses/NotifyAreaOutageResponse.xml")))
    assert [(m.account_manager_id, m.area_code, m.affected_customers) for m in told.managers] == [
        ("am-0755-0003", "0755", 4), ("am-0755-0004", "0755", 3)]
    assert told.affected_customers == 7 and not told.repeat


def test_a_busy_crm_is_retried_for_an_area_outage(crm: Crm) -> None:
    crm.route.side_effect = in_turn(httpx.Response(503, text="busy"),
                                    soap_answer(example("crm/responses/NotifyAreaOutageResponse.xml")))
    result = crm.client.send(command("crm/NotifyAreaOutage.valid.xml"))
    assert result.processed and result.attempts == 2 and crm.route.call_count == 2
