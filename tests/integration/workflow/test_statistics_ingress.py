"""QueryStatistics through the real ingress: a zeep client against the SOAP service generated from workorder.xsd and
an XML POST, both routed as requests to the workflow's Worker (memory broker), which answers from the counters."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import zeep
from lxml import etree
from zeep.wsse.username import UsernameToken

from hub.config.settings import HubSettings, load_settings
from hub.config.workflow import WorkflowSettings
from hub.ingress.app import create_app
from hub.routing.factory import open_router
from hub.routing.outbound import BrokerOutbound
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import Worker
from hub.workflow.clock import ManualClock
from hub.workflow.commands import Complaint
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store import WorkOrderProcessedStore
from hub.workflow.tiers import TierFacts
from tests.support.servers import free_port, running_asgi
from tests.unit.workflow.kit import START

pytestmark = pytest.mark.integration

WO = "urn:onepoint:workorder:1"
C = "urn:onepoint:common:1"
NS = {"wo": WO, "c": C}
CS = {"authorization": "Bearer cs-dev-token", "content-type": "application/xml"}
HEADER = {"SourceSystem": "CS", "SentAt": "2026-11-24T09:05:00+08:00"}


@dataclass
class Hub:
    base_url: str
    runtime: WorkflowRuntime


def complaint(msisdn: str, category: str, area: str, sp: str | None = None) -> Complaint:
    return Complaint(channel="HOTLINE", msisdn=msisdn, contact_number=msisdn, category_code=category,
                     phenomenon="complaint", description="A complaint.", occurred_at=START, location="Futian",
                     area_code=area, sp_code=sp)


def fill(runtime: WorkflowRuntime) -> None:
    """Five complaints on 2026-11-23 (Shenzhen): three of 01.02.03 in 0755 (one about SP 801234), one of 01.01.01 in
    0755, one of 01.02.03 in 020 — and one on the next day, outside the window asked."""
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    taken = [("13800000001", "01.02.03", "0755", None), ("13800000002", "01.02.03", "0755", "801234"),
             ("13800000003", "01.02.03", "0755", None), ("13800000004", "01.01.01", "0755", None),
             ("13800000005", "01.02.03", "020", None)]
    for msisdn, category, area, sp in taken:
        with runtime.store.transaction() as tx:
            runtime.engine.create(tx, complaint(msisdn, category, area, sp), TierFacts(msisdn, "VIP_GOLD"),
                                  clock.now())
    clock.advance(timedelta(days=1))
    with runtime.store.transaction() as tx:
        runtime.engine.create(tx, complaint("13800000006", "01.02.03", "0755"), TierFacts("13800000006", "PREPAID"),
                              clock.now())


@pytest.fixture
def hub(registry: CommandSetRegistry, tmp_path: Path) -> Iterator[Hub]:
    port = free_port()
    settings = HubSettings(callers=load_settings().callers, broker_url="memory://",
                           topology_prefix=f"s{uuid.uuid4().hex[:8]}", public_url=f"http://127.0.0.1:{port}")
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}"),
                           clock=ManualClock(START))
    fill(runtime)
    router = open_router(settings, registry)
    app = create_app(settings, router=router, registry=registry)
    try:
        with (Worker(router.broker, CONSUMER, handlers, store=WorkOrderProcessedStore(runtime.store),
                     dependencies={"workflow": runtime},
                     outbound=BrokerOutbound(router.broker, router.table, DocumentValidator(registry))),
              running_asgi(app.asgi, port=port) as base_url):
            yield Hub(base_url, runtime)
    finally:
        router.broker.close()
        runtime.close()


def test_query_statistics_through_soap_with_zeep(hub: Hub) -> None:
    client = zeep.Client(f"{hub.base_url}/soap/workorder?wsdl",
                         wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
    answer = client.service.QueryStatistics(
        Header={**HEADER, "MessageId": "stats-soap-00000001"}, AreaCode="0755", CategoryLevel=2, Top=5,
        Days={"From": date(2026, 11, 23), "To": date(2026, 11, 23)})
    assert answer.Totals.Complaints == 4  # area 0755 on the 23rd
    assert [(s.Category, s.AreaCode, s.Complaints) for s in answer.HotSpot] == [("01.02", "0755", 3),
                                                                              ("01.01", "0755", 1)]
    assert float(answer.HotSpot[0].Share) == 0.75
    assert [(p.SpCode, p.Complaints) for p in answer.ServiceProvider] == [("801234", 1)]
    assert answer.Days.From == date(2026, 11, 23) and answer.AreaCode == "0755"


def test_query_statistics_through_xml(hub: Hub, registry: CommandSetRegistry) -> None:
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<wo:QueryStatistics xmlns:wo="{WO}" xmlns:c="{C}">
  <wo:Header><c:MessageId>stats-xml-00000001</c:MessageId><c:SourceSystem>CS</c:SourceSystem>
    <c:SentAt>2026-11-24T09:05:00+08:00</c:SentAt></wo:Header>
  <wo:CreatedIn><c:From>2026-11-23T00:00:00+08:00</c:From><c:To>2026-11-24T23:59:59+08:00</c:To></wo:CreatedIn>
</wo:QueryStatistics>"""
    response = httpx.post(f"{hub.base_url}/xml/workorder", content=document.encode(), headers=CS, timeout=15)
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    registry.get("workorder").lxml_schema.assertValid(root)
    assert root.findtext("wo:Days/wo:From", namespaces=NS) == "2026-11-23"
    assert root.findtext("wo:Days/wo:To", namespaces=NS) == "2026-11-24"
    assert root.findtext("wo:Totals/wo:Complaints", namespaces=NS) == "6"  # both days, every area
    spots = [(s.findtext("wo:Category", namespaces=NS), s.findtext("wo:AreaCode", namespaces=NS),
              s.findtext("wo:Complaints", namespaces=NS)) for s in root.iterfind("wo:HotSpot", NS)]
    assert spots == [("01.02.03", "0755", "4"), ("01.01.01", "0755", "1"), ("01.02.03", "020", "1")]
    assert datetime.fromisoformat(root.findtext("wo:Ack/c:ReceivedAt", namespaces=NS) or "") == START + timedelta(
        days=1)
