"""BOSS's answer must be about the subscriber asked: a record of another MSISDN is refused before the handler (and
the ingress reply cache) sees it; SyncHLR's ``Changed`` is read as ``xs:boolean`` writes it ("true" or "1")."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import respx
from lxml import etree

from adapters.boss import BossClient, handlers
from hub.gateways import InvalidAnswer, SoapGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import (
    BASE_URL,
    WSDL_URL,
    C,
    command,
    echoing,
    example,
    registry,
    settings,
    soap_answer,
    wsdl,
)

pytestmark = pytest.mark.unit
BOSS = "urn:onepoint:boss:1"
ASKED, OTHER = "13800138000", "13900139000"


@pytest.fixture
def boss() -> Iterator[tuple[respx.Route, WorkerTestClient, BossClient]]:
    with respx.mock(assert_all_called=False) as router:
        router.get(WSDL_URL).respond(200, content=wsdl("boss"), headers={"content-type": "text/xml"})
        route = router.post(BASE_URL)
        client = BossClient(SoapGateway(settings("boss"), registry().get("boss")))
        try:
            yield route, WorkerTestClient(handlers, consumer="boss", dependencies={
                "boss": client, "operator_zone": ZoneInfo("Asia/Shanghai")}), client
        finally:
            client.close()


def about(path: str, msisdn: str) -> bytes:
    """The example answer ``path`` about ``msisdn``."""
    return soap_answer(example(path).replace(ASKED.encode(), msisdn.encode()))


ANSWERING_WITH_A_MSISDN = [  # the BOSS operations whose answer names the subscriber
    ("QueryCustomerTier", "boss/responses/QueryCustomerTierResponse.xml"),
    ("QuerySubscriber", "boss/responses/QuerySubscriberResponse.xml"),
]


@pytest.mark.parametrize(("operation", "answer"), ANSWERING_WITH_A_MSISDN)
def test_an_answer_about_another_subscriber_is_dead_lettered_and_never_answered(
        boss: tuple[respx.Route, WorkerTestClient, BossClient], operation: str, answer: str) -> None:
    route, worker, _ = boss
    route.side_effect = echoing(about(answer, OTHER))
    result = worker.request(command(f"boss/{operation}.valid.xml", message_id="cs-other-0000001"))
    assert result.dead and result.reply is None and route.call_count == 1
    assert result.reason is not None
    assert "the answer is about another subscriber: asked …8000, answered …9000" in result.reason, result.reason
    assert ASKED not in result.reason and OTHER not in result.reason  # masked but for the last 4 digits


@pytest.mark.parametrize(("operation", "answer"), ANSWERING_WITH_A_MSISDN)
def test_the_answer_about_the_subscriber_asked_is_answered(
        boss: tuple[respx.Route, WorkerTestClient, BossClient], operation: str, answer: str) -> None:
    route, worker, _ = boss
    route.side_effect = echoing(about(answer, ASKED))
    result = worker.request(command(f"boss/{operation}.valid.xml", message_id="cs-same-00000001"))
    assert result.processed and result.reply is not None
    assert [e.text for e in etree.fromstring(result.reply).iter(f"{{{BOSS}}}Msisdn")] == [ASKED]


def test_the_client_refuses_another_subscribers_record_itself(
        boss: tuple[respx.Route, WorkerTestClient, BossClient]) -> None:
    route, _, client = boss
    route.side_effect = echoing(about("boss/responses/QuerySubscriberResponse.xml", OTHER))
    header = {"MessageId": "cs-client-000001", "SourceSystem": "HUB", "SentAt": "2026-12-05T08:00:00+08:00"}
    with pytest.raises(InvalidAnswer, match="asked …8000, answered …9000"):
        client.query_subscriber({"Header": header, "Msisdn": f" {ASKED} "})
    route.side_effect = echoing(about("boss/responses/QueryCustomerTierResponse.xml", ASKED))
    with pytest.raises(InvalidAnswer, match="asked …8001, answered …8000"):
        client.query_customer_tier({"Header": header, "Msisdn": "13800138001"})


@pytest.mark.parametrize("changed", ["1", "true", " true "])
def test_hlr_sync_changed_as_xs_boolean_writes_it_is_a_repair(
        boss: tuple[respx.Route, WorkerTestClient, BossClient], changed: str) -> None:
    route, worker, _ = boss
    answer = example("boss/responses/SyncHLRResponse.xml").replace(
        b"<boss:Changed>true</boss:Changed>", f"<boss:Changed>{changed}</boss:Changed>".encode())
    route.side_effect = echoing(soap_answer(answer))
    result = worker.request(command("boss/SyncHLR.valid.xml", message_id="cs-sync-0000002"))
    assert result.processed and result.outcome == "hlr repaired: 2 field(s)", result.outcome


@pytest.mark.parametrize("changed", ["0", "false"])
def test_hlr_sync_not_changed_is_in_sync(boss: tuple[respx.Route, WorkerTestClient, BossClient],
                                         changed: str) -> None:
    route, worker, _ = boss
    document = etree.fromstring(example("boss/responses/SyncHLRResponse.xml"))
    for change in document.findall(f"{{{BOSS}}}Change"):
        document.remove(change)
    document.find(f"{{{BOSS}}}Changed").text = changed  # type: ignore[union-attr]
    route.side_effect = echoing(soap_answer(document))
    result = worker.request(command("boss/SyncHLR.valid.xml", message_id="cs-sync-0000003"))
    assert result.processed and result.outcome == "hlr already in sync"
    assert etree.fromstring(result.reply or b"<x/>").findtext(f"{{{BOSS}}}Ack/{{{C}}}MessageId") == "cs-sync-0000003"
