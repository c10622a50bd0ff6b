"""The CRM emulator on 127.0.0.1, driven by a real zeep client, beside the BOSS emulator of the same seed."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import zeep
    from zeep.exceptions import Fault

pytestmark = pytest.mark.integration


def header(message_id: str) -> dict[str, object]:
    return {"MessageId": message_id, "SourceSystem": "HUB", "SentAt": datetime.now(UTC)}


def client_for(handle) -> zeep.Client:
    return zeep.Client(handle.url("/?wsdl"), settings=zeep.Settings(forbid_dtd=True))


def test_boss_names_the_manager_crm_is_told(boss_emulator, crm_emulator):
    boss, crm = client_for(boss_emulator), client_for(crm_emulator)
    vip = next(s for s in boss_emulator.app.boss_state.population.subscribers if s.effective_tier == "VIP_DIAMOND")
    tier = boss.service.QueryCustomerTier(Header=header("hub-tier-00000001"), Msisdn=vip.msisdn)
    answer = crm.service.NotifyAccountManager(
        Header=header("hub-note-00000001"), AccountManagerId=tier.AccountManagerId, Msisdn=vip.msisdn,
        CustomerTier=tier.EffectiveTier, WorkOrderId="WO20261123A7K2M9Q1", Summary="Diamond VIP: no data service",
        Channel=["SMS", "EMAIL"], Priority=tier.Priority,
    )
    assert answer.Ack.MessageId == "hub-note-00000001" and answer.Ack.Status == "COMPLETED"
    assert answer.NoticeId.startswith("AMN") and len(answer.NoticeId) == 17
    state = crm_emulator.state()
    assert state["notices"] == 1
    notice = state["recent_notices"][0]
    assert notice["notice_id"] == answer.NoticeId and notice["known_customer"] is True
    assert notice["account_manager_id"] == vip.account_manager_id
    crm_emulator.assert_called("NotifyAccountManager", times=1)


def test_unknown_manager_and_invalid_request_are_faults(crm_emulator):
    crm = client_for(crm_emulator)
    common = {"Msisdn": "13800138000", "CustomerTier": "VIP_GOLD", "WorkOrderId": "WO20261123A7K2M9Q1",
              "Summary": "x", "Channel": ["SMS"], "Priority": 1}
    with pytest.raises(Fault) as raised:
        crm.service.NotifyAccountManager(Header=header("hub-note-00000002"), AccountManagerId="am-0000-0000",
                                         **common)
    assert raised.value.code.endswith("Client.AccountManagerNotFound")
    with pytest.raises(Fault) as raised:
        crm.service.NotifyAccountManager(Header=header("hub-note-00000003"), AccountManagerId="am-020-0001",
                                         **{**common, "Priority": 0, "Channel": ["FAX"]})
    assert raised.value.code.endswith("Client.SchemaValidationError")
    assert len(raised.value.detail.findall(".//{urn:onepoint:common:1}Violation")) == 2
    assert crm_emulator.state()["notices"] == 0


def test_an_area_outage_is_told_once_per_status_through_zeep(crm_emulator):
    crm = client_for(crm_emulator)
    outage = {"OutageNoticeId": "FLT-20261123-0007", "Revision": 1, "Kind": "FAULT", "Status": "ACTIVE",
              "Title": "Base station down", "Summary": "Fault in Shenzhen", "Area": [{"AreaCode": "0755"}],
              "Service": ["VOICE"], "Start": datetime(2026, 11, 23, 0, 35, tzinfo=UTC), "CustomerWording": "抢修中"}
    first = crm.service.NotifyAreaOutage(Header=header("hub-outage-0000001"), **outage)
    again = crm.service.NotifyAreaOutage(Header=header("hub-outage-0000002"), **{**outage, "Revision": 2})
    managed = [s for s in crm_emulator.app.crm_state.population.subscribers
               if s.account_manager_id and s.area_code == "0755"]
    assert (first.Ack.Status, again.Ack.Status) == ("COMPLETED", "DUPLICATE")
    assert first.AffectedCustomers == again.AffectedCustomers == len(managed) > 0
    assert {m.AccountManagerId for m in first.AccountManager} == {s.account_manager_id for s in managed}
    assert [o["status"] for o in crm_emulator.state()["area_outages"]] == ["ACTIVE"]
