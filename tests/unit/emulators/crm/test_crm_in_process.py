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
