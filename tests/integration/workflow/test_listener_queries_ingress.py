"""QueryListeners through the real ingress: the SOAP service generated from workorder.xsd offers it (a zeep client
calls it) and the XML ingress takes it, both routed as requests to the workflow's Worker (memory broker), which
answers with the calling system's own listeners only."""

from __future__ import annotations

import httpx
import pytest
import zeep
from lxml import etree
from zeep.wsse.username import UsernameToken

from hub.validation.command_sets import CommandSetRegistry
from tests.integration.workflow.test_statistics_ingress import (  # the hub on a memory broker, its workflow worker
    CS,
    HEADER,
    NS,
    Hub,
    hub,  # noqa: F401 - the fixture
)
from tests.unit.workflow.kit import START

pytestmark = pytest.mark.integration

CALLBACK = "https://cs.example.net/tmf621/events"


def test_query_listeners_through_soap_and_xml(hub: Hub, registry: CommandSetRegistry) -> None:  # noqa: F811
    mine = hub.runtime.store.add_listener(CALLBACK, None, START, source_system="CS")
    hub.runtime.store.add_listener("https://crm.example.net/events", None, START, source_system="CRM")

    client = zeep.Client(f"{hub.base_url}/soap/workorder?wsdl",
                         wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
    answer = client.service.QueryListeners(Header={**HEADER, "MessageId": "listeners-soap-00000001"})
    assert [(one.ListenerId, one.Callback, one.State, one.EventsWaiting) for one in answer.Listener] == [
        (mine.id, CALLBACK, "ACTIVE", 0)]

    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<wo:QueryListeners xmlns:wo="{NS['wo']}" xmlns:c="{NS['c']}">
  <wo:Header><c:MessageId>listeners-xml-00000001</c:MessageId><c:SourceSystem>CS</c:SourceSystem>
    <c:SentAt>2026-11-24T09:05:00+08:00</c:SentAt></wo:Header>
  <wo:ListenerId>{mine.id}</wo:ListenerId>
</wo:QueryListeners>"""
    response = httpx.post(f"{hub.base_url}/xml/workorder", content=document.encode(), headers=CS, timeout=15)
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    registry.get("workorder").lxml_schema.assertValid(root)
    assert [e.findtext("wo:ListenerId", namespaces=NS) for e in root.iterfind("wo:Listener", NS)] == [mine.id]
