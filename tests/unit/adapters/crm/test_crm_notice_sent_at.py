"""The CRM adapter tells CRM when NSP sent the notice (audit of outage notices): ``NoticeSentAt``, NSP's SentAt as
written, goes in every NotifyAreaOutage and reaches CRM's call, so CRM tells a correction NSP made at the same
revision from the original (before, CRM saw only Revision and Status and answered the correction DUPLICATE)."""

from __future__ import annotations

import pytest
from lxml import etree

from adapters.crm.mapping import area_outage_arguments, area_outage_document
from hub.validation import DocumentValidator
from tests.unit.adapters.crm.test_crm_adapter import CRM, Crm, crm, outage  # noqa: F401 - the fixture
from tests.unit.adapters.soap_kit import C, command, echoing, example, registry, soap_answer

pytestmark = pytest.mark.unit
NSP = "urn:onepoint:nsp:1"


@pytest.mark.parametrize("name", ["valid-fault", "valid-planned-work", "valid-cleared"])
def test_the_notify_area_outage_carries_when_nsp_sent_the_notice(name: str) -> None:
    sent = etree.fromstring(example(f"nsp/OutageNotice.{name}.xml")).findtext(f"{{{NSP}}}Header/{{{C}}}SentAt")
    document = area_outage_document(outage(name))
    document.find(f"{{{CRM}}}Header/{{{C}}}MessageId").text = "hub-test-0000001"
    DocumentValidator(registry()).validate_element(document)
    assert sent and document.findtext(f"{{{CRM}}}NoticeSentAt") == sent
    assert document.findtext(f"{{{CRM}}}Header/{{{C}}}SentAt") != sent  # the header's is the hub's own sending


def test_crm_is_called_with_the_notice_sent_at(crm: Crm) -> None:  # noqa: F811
    arguments = area_outage_arguments(command("crm/NotifyAreaOutage.valid.xml", message_id="hub-o-0000003"))
    assert arguments["NoticeSentAt"] == "2026-11-23T09:10:00+08:00"
    crm.route.side_effect = echoing(soap_answer(example("crm/responses/NotifyAreaOutageResponse.xml")))
    crm.client.send(outage())
    ((forwarded, _),) = crm.client.sent
    assert crm.client.send(forwarded).processed
    called = etree.fromstring(crm.route.calls.last.request.content)
    assert called.findtext(f".//{{{CRM}}}NoticeSentAt") == "2026-11-23T09:10:00+08:00"
