"""End to end through the CRM adapter's Worker and the CRM emulator over HTTP, on memory:// and on RabbitMQ:

* an outage notice NSP raises comes through the hub's XML ingress, is broadcast, and CRM is told of it once (the
  account managers of the VIP and group customers in its area), and once more when NSP clears it;
* a notice whose Kind and AdjustmentKind disagree is refused at the ingress (400, the violation named) and reaches
  no consumer;
* NSP's correction of a notice at the same revision (another district, sent later) reaches CRM as a new version:
  the account managers of the district it names are told (audit of outage notices: before, CRM answered it
  DUPLICATE).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

import adapters.crm as crm_adapter
from tests.integration.adapters.conftest import gateway_settings, wait_until
from tests.integration.adapters.hub_kit import RunningHub
from tests.unit.adapters.soap_kit import example

C = "urn:onepoint:common:1"
NSP_TOKEN = "nsp-dev-token"  # NSP's development caller credentials


def managed_in(crm: Any, area: str, district: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sub in crm.app.crm_state.population.subscribers:
        if sub.account_manager_id and sub.area_code == area and sub.district == district:
            counts[sub.account_manager_id] = counts.get(sub.account_manager_id, 0) + 1
    return counts


def test_crm_is_told_of_an_outage_raised_at_nsp_and_of_its_clearance(running_hub: RunningHub,
                                                                     emulator_factory: Any) -> None:
    crm = emulator_factory("crm")
    nsp = emulator_factory("nsp", hub_url=running_hub.base_url, hub_token=NSP_TOKEN, callback_backoff=0.05)
    expected = managed_in(crm, "0755", "Nanshan")
    assert expected  # the seeded population has VIP or group customers in Nanshan
    spec = {"title": "Nanshan: fibre cut", "areas": [{"area_code": "0755", "district": "Nanshan"}],
            "services": ["VOICE", "DATA"], "wording": "A fibre cut affects calls and data in Nanshan."}
    state = crm.app.crm_state
    with running_hub.adapter(crm_adapter, gateway_settings("crm", crm.base_url)):
        raised = nsp.http.post("/nsp/outages", json=spec)
        assert raised.status_code == 201, raised.text
        notice_id = raised.json()["notice_id"]
        wait_until(lambda: len(state.area_outages()) == 1, "CRM told of the outage")
        cleared = nsp.http.post(f"/nsp/outages/{notice_id}/clear", json={})
        assert cleared.status_code == 200, cleared.text
        wait_until(lambda: len(state.area_outages()) == 2, "CRM told of the clearance")
    active, over = state.area_outages()
    assert (active.outage_notice_id, active.status, over.status) == (notice_id, "ACTIVE", "CLEARED")
    assert {m.account_manager_id: m.affected_customers for m in active.managers} == expected
    assert active.areas == (("0755", "Nanshan"),) and active.services == ("VOICE", "DATA")
    crm.assert_called("NotifyAreaOutage", times=2)


def test_a_notice_whose_kind_and_adjustment_kind_disagree_is_refused_at_the_ingress(
        running_hub: RunningHub) -> None:
    for name, path in (("planned-work-without-adjustment-kind", "/nsp:OutageNotice/nsp:Kind"),
                       ("fault-with-adjustment-kind", "/nsp:OutageNotice/nsp:AdjustmentKind")):
        refused = running_hub.post("nsp", example(f"nsp/OutageNotice.invalid-{name}.xml"), token=NSP_TOKEN)
        assert refused.status_code == 400, refused.text
        error = etree.fromstring(refused.content)
        assert error.findtext(f"{{{C}}}Code") == "invalid"
        (violation,) = error.iter(f"{{{C}}}Violation")
        assert violation.findtext(f"{{{C}}}Path") == path
        assert "AdjustmentKind" in (violation.findtext(f"{{{C}}}Reason") or "")
    for consumer in ("crm", "oa", "bulletin"):  # broadcast to nobody
        assert running_hub.broker.get(running_hub.queue(consumer)) is None


def test_a_correction_at_the_same_revision_tells_the_managers_of_the_district_it_names(
        running_hub: RunningHub, emulator_factory: Any) -> None:
    crm = emulator_factory("crm")
    nanshan = managed_in(crm, "0755", "Nanshan")
    assert nanshan  # the seeded population has VIP or group customers in Nanshan
    original = example("nsp/OutageNotice.valid-fault.xml")
    corrected = (original.replace(b"nsp-20261123-091000-0007", b"nsp-20261123-094000-0007")
                 .replace(b"2026-11-23T09:10:00+08:00</c:SentAt>", b"2026-11-23T09:40:00+08:00</c:SentAt>")
                 .replace(b"Futian, around Shenzhen Civic Center", b"Nanshan"))
    state = crm.app.crm_state
    with running_hub.adapter(crm_adapter, gateway_settings("crm", crm.base_url)):
        assert running_hub.post("nsp", original, token=NSP_TOKEN).status_code == 202
        wait_until(lambda: len(state.area_outages()) == 1, "CRM told of the notice")
        assert running_hub.post("nsp", corrected, token=NSP_TOKEN).status_code == 202
        wait_until(lambda: len(state.area_outages()) == 2, "CRM told of the correction")
    first, correction = state.area_outages()
    assert (first.revision, correction.revision, correction.repeat) == (1, 1, False)
    assert correction.areas == (("0755", "Nanshan"),)
    assert {m.account_manager_id for m in correction.managers} == set(nanshan) - {
        m.account_manager_id for m in first.managers}
