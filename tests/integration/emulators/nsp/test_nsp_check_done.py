"""The hub's NetworkComplaintDispatch with the pre-processing checks the agent made (nsp:CheckDone) reaches the NSP
emulator over a real socket on 127.0.0.1: accepted (valid against nsp.xsd) and journalled with each check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from emulators.nsp import create_emulator
from emulators.toolkit import start_emulator
from hub.workflow.changes import DISPATCH_FOLLOW_UP, FollowUp
from hub.workflow.network_dispatch import nsp_dispatch
from hub.workflow.taxonomy import load_taxonomy

pytestmark = pytest.mark.integration

NSP = "urn:onepoint:nsp:1"
C = "urn:onepoint:common:1"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_the_checks_done_reach_nsp_and_its_journal() -> None:
    taxonomy = load_taxonomy()
    checks = list(taxonomy.phenomenon("01.02.03").checks)
    row = {"id": "WO20261123A7K2M9Q1", "msisdn": "13800138000", "category_code": "01.02.03",
           "phenomenon": "Cannot originate calls", "description": "Every outgoing call fails", "location": "Futian",
           "area_code": "0755", "district": "Futian", "occurred_at": NOW - timedelta(hours=1),
           "contact_number": "13800138000", "priority": 2, "reply_due": NOW + timedelta(hours=4)}
    details = {"fields": {"terminal_type": "Nokia N95", "_template": "voice_originate"},
               "template_fields": ["terminal_type"], "added_fields": [], "instructions": "Check the cell",
               "checks_done": [checks[0], checks[3]]}
    document = nsp_dispatch(FollowUp(DISPATCH_FOLLOW_UP, row, details), NOW, "agent-1024", taxonomy=taxonomy)
    header_id = document.find(f"{{{NSP}}}Header/{{{C}}}MessageId")
    assert header_id is not None
    header_id.text = "hub-1a2b3c4d5e6f7099"
    with start_emulator(create_emulator(seed=3, auto_reply=False)) as nsp:
        response = nsp.http.post("/xml", content=etree.tostring(document, xml_declaration=True, encoding="UTF-8"),
                                 headers={"content-type": "application/xml"})
        assert response.status_code == 200, response.text
        assert "NspTicketId" in response.text
        (entry,) = nsp.journal(xpath="//nsp:CheckDone", namespaces={"nsp": NSP})
        assert checks[0] in str(entry) and checks[3] in str(entry)
