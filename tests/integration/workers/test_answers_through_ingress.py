"""End to end: a caller's request through the real XML and SOAP ingress is answered by a Worker's handler."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import zeep
from lxml import etree
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

from hub.config.settings import HubSettings, load_settings
from hub.ingress.app import create_app
from hub.routing.factory import open_router
from hub.store import SQLiteProcessedStore
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import Worker
from tests.support.servers import free_port, running_asgi
from tests.support.worker_handlers import UNKNOWN_SUBSCRIBER, handlers, tier_query

C = "urn:onepoint:common:1"
BOSS = "urn:onepoint:boss:1"
CS = {"authorization": "Bearer cs-dev-token", "content-type": "application/xml"}


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.integration),
                        pytest.param("rabbitmq", marks=[pytest.mark.integration, pytest.mark.rabbitmq])])
def hub_with_boss_worker(request: pytest.FixtureRequest, registry: CommandSetRegistry,
                         tmp_path: Path) -> Iterator[str]:
    """A hub on the built-in routing table (boss.* are requests) and a Worker running the boss handlers."""
    url = "memory://" if request.param == "memory" else request.getfixturevalue("rabbitmq_server").url
    port = free_port()
    settings = HubSettings(callers=load_settings().callers, broker_url=url,
                           topology_prefix=f"e{uuid.uuid4().hex[:8]}", public_url=f"http://127.0.0.1:{port}")
    router = open_router(settings, registry)
    store = SQLiteProcessedStore(tmp_path / "boss.db")
    hub = create_app(settings, router=router, registry=registry)
    try:
        with (Worker(router.broker, "boss", handlers, store=store, dependencies={"effects": tmp_path / "e"}),
              running_asgi(hub.asgi, port=port) as base_url):
            yield base_url
    finally:
        router.broker.close()
        store.close()


def test_xml_request_is_answered_by_the_handler(hub_with_boss_worker: str) -> None:
    document = tier_query(message_id="e2e-xml-00000001")
    response = httpx.post(f"{hub_with_boss_worker}/xml/boss", content=document, headers=CS, timeout=15)
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{BOSS}}}QueryCustomerTierResponse"
    assert root.findtext(f"{{{BOSS}}}Ack/{{{C}}}MessageId") == "e2e-xml-00000001"
    assert root.findtext(f"{{{BOSS}}}EffectiveTier") == "VIP_GOLD"


def test_xml_request_refused_by_the_handler_is_422_with_its_code(hub_with_boss_worker: str) -> None:
    document = tier_query(UNKNOWN_SUBSCRIBER, message_id="e2e-xml-00000002")
    response = httpx.post(f"{hub_with_boss_worker}/xml/boss", content=document, headers=CS, timeout=15)
    assert response.status_code == 422, response.text
    assert etree.fromstring(response.content).findtext(f"{{{C}}}Code") == "subscriber-not-found"


def test_soap_request_is_answered_by_the_handler(hub_with_boss_worker: str) -> None:
    client = zeep.Client(f"{hub_with_boss_worker}/soap/boss?wsdl",
                         wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
    header = {"MessageId": "e2e-soap-0000001", "SourceSystem": "CS", "SentAt": "2026-11-23T09:15:00+08:00"}
    answer = client.service.QueryCustomerTier(Header=header, Msisdn="13800138000")
    assert answer.EffectiveTier == "VIP_GOLD" and answer.Msisdn == "13800138000"
    with pytest.raises(Fault) as refused:
        client.service.QueryCustomerTier(Header={**header, "MessageId": "e2e-soap-0000002"},
                                         Msisdn=UNKNOWN_SUBSCRIBER)
    assert "no subscriber" in refused.value.message


def test_a_request_whose_handler_returned_no_reply_is_502_carried_out_once_and_never_dead_lettered(
        hub_with_boss_worker: str, examples_dir: Path, tmp_path: Path) -> None:
    """``sync_hlr`` returns a str (no Reply) for the request boss.SyncHLR: the sync is done and recorded, its caller
    told so (502 handler-gave-no-answer), and the same request again is answered that, never synced twice."""
    document = (examples_dir / "boss" / "SyncHLR.valid.xml").read_bytes().replace(
        b"<c:SourceSystem>HUB<", b"<c:SourceSystem>CS<")  # as the CS front end sends it
    answers = [httpx.post(f"{hub_with_boss_worker}/xml/boss", content=document, headers=CS, timeout=15)
               for _ in range(2)]
    for response in answers:
        assert response.status_code == 502, response.text
        error = etree.fromstring(response.content)
        assert error.findtext(f"{{{C}}}Code") == "handler-gave-no-answer"
        assert "carried the request out" in (error.findtext(f"{{{C}}}Message") or "")
    assert len((tmp_path / "e").read_text().splitlines()) == 1
