"""The CRM emulator over the in-process transport (no socket): notices, idempotency, faults, shared population."""

from __future__ import annotations

import pytest

from emulators.boss import create_emulator as create_boss
from emulators.crm import create_emulator
from emulators.toolkit import in_process_emulator
from tests.unit.emulators.soap_helpers import (
    COMMON_NS,
    CRM_NS,
    NS,
    assert_valid,
    body_child,
    envelope,
    example_envelope,
    example_names,
    fault_of,
    header,
)

pytestmark = pytest.mark.unit
SOAP = {"content-type": "text/xml; charset=utf-8"}


def notify(manager_id: str, msisdn: str, *, message_id: str = "hub-c2e8f1a07b6d4391", tier: str = "VIP_GOLD") -> bytes:
    return envelope(
        f'<crm:NotifyAccountManager xmlns:crm="{CRM_NS}" xmlns:c="{COMMON_NS}">{header("crm", message_id)}'
        f"<crm:AccountManagerId>{manager_id}</crm:AccountManagerId><crm:Msisdn>{msisdn}</crm:Msisdn>"
        f"<crm:CustomerTier>{tier}</crm:CustomerTier><crm:WorkOrderId>WO20261123A7K2M9Q1</crm:WorkOrderId>"
        "<crm:Summary>Gold VIP cannot originate calls</crm:Summary><crm:Channel>SMS</crm:Channel>"
        "<crm:Channel>WORK_ORDER</crm:Channel><crm:Priority>1</crm:Priority></crm:NotifyAccountManager>")


@pytest.fixture
def crm():
    app = create_emulator(seed=5, subscribers=500)
    handle = in_process_emulator(app)
    yield handle, app.crm_state
    handle.stop()


def test_managers_are_the_ones_boss_names():
    boss, crm = create_boss(seed=9, subscribers=300), create_emulator(seed=9, subscribers=300)
    boss_ids = {s.account_manager_id for s in boss.boss_state.population.subscribers if s.account_manager_id}
    crm_ids = {m.id for m in crm.crm_state.population.account_managers}
    assert boss_ids == crm_ids and boss_ids


def test_notice_is_stored_and_its_id_answered(crm):
    handle, state = crm
    manager = state.population.account_managers[0]
    customer = state.population.customers_of(manager.id)[0]
    resp = handle.http.post("/", content=notify(manager.id, customer.msisdn), headers=SOAP)
    answer = body_child(resp.content)
    assert_valid("crm", answer)
    assert answer.findtext("crm:Ack/c:MessageId", namespaces=NS) == "hub-c2e8f1a07b6d4391"
    assert answer.findtext("crm:Ack/c:Status", namespaces=NS) == "COMPLETED"
    notice_id = answer.findtext("crm:NoticeId", namespaces=NS)
    snapshot = handle.state()
    assert snapshot["notices"] == 1 and snapshot["notices_by_manager"] == {manager.id: 1}
    stored = snapshot["recent_notices"][0]
    assert stored["notice_id"] == notice_id and stored["channels"] == ["SMS", "WORK_ORDER"]
    assert stored["known_customer"] is True and stored["msisdn"] == customer.msisdn


def test_a_repeated_message_id_gets_the_same_notice(crm):
    handle, state = crm
    manager = state.population.account_managers[0].id
    ids = [body_child(handle.http.post("/", content=notify(manager, "13800138000", message_id=m),
                                       headers=SOAP).content).findtext("crm:NoticeId", namespaces=NS)
           for m in ("hub-msg-00000001", "hub-msg-00000002", "hub-msg-00000001")]
    assert ids[0] == ids[2] != ids[1]
    assert handle.state()["notices"] == 2
    assert handle.state()["recent_notices"][0]["known_customer"] is False
    handle.reset()
    assert handle.state()["notices"] == 0 and handle.state()["recent_notices"] == []


def test_unknown_manager_is_a_fault(crm):
    handle, _ = crm
    resp = handle.http.post("/", content=notify("am-9999-0001", "13800138000"), headers=SOAP)
    assert resp.status_code == 500
    code, message, _ = fault_of(resp.content)
    assert code == "Client.AccountManagerNotFound" and "am-9999-0001" in message
    assert handle.state()["notices"] == 0


@pytest.mark.parametrize("name", example_names("crm", "invalid"))
def test_invalid_examples_are_faults_listing_violations(crm, name):
    handle, _ = crm
    resp = handle.http.post("/", content=example_envelope("crm", name), headers=SOAP)
    code, _, paths = fault_of(resp.content)
    assert code == "Client.SchemaValidationError" and paths
    assert handle.state()["notices"] == 0


def outage(status: str = "ACTIVE", *, message_id: str = "hub-outage-0000001", area: str = "0755",
           district: str | None = None) -> bytes:
    where = f"<c:AreaCode>{area}</c:AreaCode>" + (f"<c:District>{district}</c:District>" if district else "")
    return envelope(
        f'<crm:NotifyAreaOutage xmlns:crm="{CRM_NS}" xmlns:c="{COMMON_NS}">{header("crm", message_id)}'
        "<crm:OutageNoticeId>FLT-20261123-0007</crm:OutageNoticeId><crm:Revision>1</crm:Revision>"
        f"<crm:Kind>FAULT</crm:Kind><crm:Status>{status}</crm:Status><crm:Title>Base station down</crm:Title>"
        f"<crm:Summary>Fault in {area}</crm:Summary><crm:Area>{where}</crm:Area><crm:Service>VOICE</crm:Service>"
        "<crm:Start>2026-11-23T08:35:00+08:00</crm:Start><crm:CustomerWording>抢修中</crm:CustomerWording>"
        "</crm:NotifyAreaOutage>")


def managed_in(state, area: str, district: str | None = None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sub in state.population.subscribers:
        if sub.account_manager_id and sub.area_code == area and district in (None, sub.district):
            counts[sub.account_manager_id] = counts.get(sub.account_manager_id, 0) + 1
    return counts


def test_an_area_outage_is_told_to_the_managers_of_the_customers_there(crm):
    handle, state = crm
    expected = managed_in(state, "0755")
    assert expected  # the seeded population has VIP and group customers in Shenzhen
    answer = body_child(handle.http.post("/", content=outage(), headers=SOAP).content)
    assert_valid("crm", answer)
    assert answer.findtext("crm:Ack/c:Status", namespaces=NS) == "COMPLETED"
    told = {m.findtext("crm:AccountManagerId", namespaces=NS): int(m.findtext("crm:AffectedCustomers", namespaces=NS))
            for m in answer.iterfind("crm:AccountManager", NS)}
    assert told == expected
    assert int(answer.findtext("crm:AffectedCustomers", namespaces=NS)) == sum(expected.values())
    for told_manager in answer.iterfind("crm:AccountManager", NS):  # a group's manager may sit in another area
        manager = state.population.manager(told_manager.findtext("crm:AccountManagerId", namespaces=NS))
        assert told_manager.findtext("crm:AreaCode", namespaces=NS) == manager.area_code
    (recorded,) = handle.state()["area_outages"]
    assert (recorded["outage_notice_id"], recorded["status"], recorded["areas"]) == (
        "FLT-20261123-0007", "ACTIVE", [["0755", None]])


def test_a_district_narrows_the_customers_told(crm):
    handle, state = crm
    district = next(s.district for s in state.population.subscribers if s.account_manager_id and s.area_code == "0755")
    answer = body_child(handle.http.post("/", content=outage(district=f"{district}, near the station"),
                                         headers=SOAP).content)
    assert int(answer.findtext("crm:AffectedCustomers", namespaces=NS)) == sum(
        managed_in(state, "0755", district).values()) < sum(managed_in(state, "0755").values())


def test_an_outage_is_told_once_per_notice_and_status(crm):
    handle, _ = crm
    first = body_child(handle.http.post("/", content=outage(), headers=SOAP).content)
    again = body_child(handle.http.post("/", content=outage(message_id="hub-outage-0000002"), headers=SOAP).content)
    assert again.findtext("crm:Ack/c:Status", namespaces=NS) == "DUPLICATE"
    assert again.findtext("crm:Ack/c:MessageId", namespaces=NS) == "hub-outage-0000002"
    assert again.findtext("crm:AffectedCustomers", namespaces=NS) == first.findtext("crm:AffectedCustomers",
                                                                                      namespaces=NS)
    cleared = body_child(handle.http.post("/", content=outage("CLEARED", message_id="hub-outage-0000003"),
                                          headers=SOAP).content)
    assert cleared.findtext("crm:Ack/c:Status", namespaces=NS) == "COMPLETED"
    assert [o["status"] for o in handle.state()["area_outages"]] == ["ACTIVE", "CLEARED"]
    handle.reset()
    assert handle.state()["area_outages"] == []


def test_an_outage_where_no_managed_customer_lives_tells_nobody(crm):
    handle, _ = crm
    answer = body_child(handle.http.post("/", content=outage(area="0999"), headers=SOAP).content)
    assert_valid("crm", answer)
    assert answer.findtext("crm:AffectedCustomers", namespaces=NS) == "0"
    assert answer.find("crm:AccountManager", NS) is None
