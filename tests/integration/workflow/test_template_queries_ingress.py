"""QueryTemplate through the real ingress, with the development callers' table: the SOAP service generated from
workorder.xsd offers it (a zeep client calls it) and the XML ingress takes it, both routed as requests to the
workflow's Worker (memory broker), which answers from its taxonomy; a complaint front end (CS, ``workorder.*``)
may ask it, OA (its items' links only) may not; an unknown category is an ``unknown-category`` c:Error."""

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

pytestmark = pytest.mark.integration


def document(code: str, message_id: str, source: str = "CS") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<wo:QueryTemplate xmlns:wo="{NS['wo']}" xmlns:c="{NS['c']}">
  <wo:Header><c:MessageId>{message_id}</c:MessageId><c:SourceSystem>{source}</c:SourceSystem>
    <c:SentAt>2026-11-24T09:05:00+08:00</c:SentAt></wo:Header>
  <wo:CategoryCode>{code}</wo:CategoryCode>
</wo:QueryTemplate>""".encode()


def test_query_template_through_soap_and_xml(hub: Hub, registry: CommandSetRegistry) -> None:  # noqa: F811
    expected = hub.runtime.engine.taxonomy.phenomenon("01.02.03")
    client = zeep.Client(f"{hub.base_url}/soap/workorder?wsdl",
                         wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
    answer = client.service.QueryTemplate(Header={**HEADER, "MessageId": "template-soap-00000001"},
                                          CategoryCode="01.02.03")
    assert answer.Template.TemplateId == expected.id
    assert [field.Name for field in answer.Template.RequiredField] == list(expected.field_names)

    response = httpx.post(f"{hub.base_url}/xml/workorder", content=document("01.02.03.002", "template-xml-0001"),
                          headers=CS, timeout=15)
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    registry.get("workorder").lxml_schema.assertValid(root)
    assert [e.text for e in root.iterfind("wo:Template/wo:IntakeQuestion", NS)] == list(expected.questions)
    assert [e.text for e in root.iterfind("wo:Template/wo:PreCheck", NS)] == list(expected.checks)
    assert root.findtext("wo:Template/wo:Inherited", namespaces=NS) == "true"


def test_an_unknown_category_and_a_caller_not_allowed(hub: Hub) -> None:  # noqa: F811
    unknown = httpx.post(f"{hub.base_url}/xml/workorder", content=document("09.09.09.999", "template-xml-0002"),
                         headers=CS, timeout=15)
    assert unknown.status_code == 422, unknown.text
    error = etree.fromstring(unknown.content)
    assert error.findtext("c:Code", namespaces=NS) == "unknown-category"
    assert "09.09.09.999" in (error.findtext("c:Message", namespaces=NS) or "")

    oa = {**CS, "authorization": "Bearer oa-dev-token"}
    refused = httpx.post(f"{hub.base_url}/xml/workorder", content=document("01.02.03", "template-xml-0003", "OA"),
                         headers=oa, timeout=15)
    assert refused.status_code == 403, refused.text
    assert "workorder.QueryTemplate" in refused.text  # the command is what OA may not send
