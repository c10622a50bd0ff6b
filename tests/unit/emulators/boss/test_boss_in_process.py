"""The BOSS emulator over the toolkit's in-process transport (no socket): contract, domain, state."""

from __future__ import annotations

import pytest

from emulators.boss import create_emulator
from emulators.population import EPOCH
from emulators.toolkit import in_process_emulator
from tests.unit.emulators.soap_helpers import (
    NS,
    assert_valid,
    body_child,
    boss_command,
    example_envelope,
    example_names,
    fault_of,
)

pytestmark = pytest.mark.unit
SOAP = {"content-type": "text/xml; charset=utf-8"}


@pytest.fixture
def boss():
    app = create_emulator(seed=11, subscribers=600, hlr_drift_share=0.2)
    handle = in_process_emulator(app)
    yield handle, app.boss_state
    handle.stop()


def post(handle, data: bytes):
    return handle.http.post("/", content=data, headers=SOAP)


def test_query_customer_tier_answers_every_identity_and_the_highest(boss):
    handle, state = boss
    sub = next(s for s in state.population.subscribers if len(s.identities) >= 3)
    resp = post(handle, boss_command("QueryCustomerTier", sub.msisdn, message_id="hub-echo-0001"))
    assert resp.status_code == 200
    answer = body_child(resp.content)
    assert_valid("boss", answer)
    assert answer.findtext("boss:Ack/c:MessageId", namespaces=NS) == "hub-echo-0001"
    assert answer.findtext("boss:Ack/c:CorrelationId", namespaces=NS) == "cs-0001-abcdef"
    assert answer.findtext("boss:Ack/c:Status", namespaces=NS) == "COMPLETED"
    assert [t.text for t in answer.iterfind("boss:Identity/boss:Tier", NS)] == [i.tier for i in sub.identities]
    assert answer.findtext("boss:EffectiveTier", namespaces=NS) == sub.identities[0].tier == sub.effective_tier
    assert answer.findtext("boss:Priority", namespaces=NS) == str(sub.priority)
    assert answer.findtext("boss:AnswerTarget/boss:ShareAnsweredPercent", namespaces=NS) == str(
        sub.answer_target.share_percent)
    manager = answer.findtext("boss:AccountManagerId", namespaces=NS)
    assert manager == sub.account_manager_id
    if manager is not None:
        assert answer.findtext("boss:AccountManagerName", namespaces=NS) == state.population.manager(manager).name


def test_every_tier_answers_a_valid_document(boss):
    handle, state = boss
    seen: dict[str, str] = {}
    for sub in state.population.subscribers:
        seen.setdefault(sub.effective_tier, sub.msisdn)
    assert len(seen) == 10
    for tier, msisdn in seen.items():
        answer = body_child(post(handle, boss_command("QueryCustomerTier", msisdn)).content)
        assert_valid("boss", answer)
        assert answer.findtext("boss:EffectiveTier", namespaces=NS) == tier


def test_query_subscriber_returns_the_boss_record(boss):
    handle, state = boss
    sub = next(s for s in state.population.subscribers if s.status != "ACTIVE")
    answer = body_child(post(handle, boss_command("QuerySubscriber", sub.msisdn)).content)
    assert_valid("boss", answer)
    record = answer.find("boss:Subscriber", NS)
    assert record.findtext("boss:Status", namespaces=NS) == sub.status
    assert record.findtext("boss:HomeArea/c:AreaCode", namespaces=NS) == sub.area_code
    assert record.findtext("boss:Iccid", namespaces=NS) == sub.iccid
    services = {s.findtext("boss:Code", namespaces=NS): s.findtext("boss:Enabled", namespaces=NS)
                for s in record.iterfind("boss:Service", NS)}
    assert services == {s.code: str(s.enabled).lower() for s in sub.services}


def test_sync_hlr_reports_each_change_once_and_persists(boss):
    handle, state = boss
    for msisdn in state.drifted()[:25]:
        expected = {(c.field, c.hlr_value, c.boss_value) for c in state.differences(msisdn)}
        first = body_child(post(handle, boss_command("SyncHLR", msisdn, message_id=f"hub-first-{msisdn}")).content)
        assert_valid("boss", first)
        assert first.findtext("boss:Changed", namespaces=NS) == "true"
        changes = {(c.findtext("boss:Field", namespaces=NS), c.findtext("boss:HlrValue", namespaces=NS),
                    c.findtext("boss:BossValue", namespaces=NS)) for c in first.iterfind("boss:Change", NS)}
        assert changes == expected and changes
        second = body_child(post(handle, boss_command("SyncHLR", msisdn, message_id=f"hub-again-{msisdn}")).content)
        assert_valid("boss", second)
        assert second.findtext("boss:Changed", namespaces=NS) == "false"
        assert second.find("boss:Change", NS) is None
        assert state.hlr(msisdn) == state.subscriber(msisdn).boss_hlr_fields()


def test_a_repeated_sync_hlr_message_id_is_answered_with_its_first_diff(boss):
    handle, state = boss
    msisdn = state.drifted()[0]
    expected = {(c.field, c.hlr_value, c.boss_value) for c in state.differences(msisdn)}
    answers = [body_child(post(handle, boss_command("SyncHLR", msisdn, message_id="hub-lost-answer-01")).content)
               for _ in range(2)]
    for answer in answers:  # the second: the caller lost the first answer (read timeout) and sent it again
        assert_valid("boss", answer)
        assert answer.findtext("boss:Changed", namespaces=NS) == "true"
        assert {(c.findtext("boss:Field", namespaces=NS), c.findtext("boss:HlrValue", namespaces=NS),
                 c.findtext("boss:BossValue", namespaces=NS)) for c in answer.iterfind("boss:Change", NS)} == expected
    assert answers[0].findtext("boss:SyncedAt", namespaces=NS) == answers[1].findtext("boss:SyncedAt", namespaces=NS)
    assert handle.state()["hlr_syncs"] == 1  # synced once
    again = body_child(post(handle, boss_command("SyncHLR", msisdn, message_id="hub-new-request-02")).content)
    assert again.findtext("boss:Changed", namespaces=NS) == "false"  # a new MessageId is a new sync


def test_stale_status_after_reconnection_is_repaired(boss):
    handle, state = boss
    sub = next(s for s in state.population.drifted() if s.drift == ("STALE_STATUS",))
    assert sub.status_changed_at < EPOCH
    answer = body_child(post(handle, boss_command("SyncHLR", sub.msisdn)).content)
    changes = {c.findtext("boss:Field", namespaces=NS): (c.findtext("boss:HlrValue", namespaces=NS),
               c.findtext("boss:BossValue", namespaces=NS)) for c in answer.iterfind("boss:Change", NS)}
    assert changes["SUBSCRIBER_STATUS"] == ("ONE_WAY_SUSPENDED", "ACTIVE")
    assert changes["BARRING_ALL_OUTGOING"] == ("ON", "OFF")


def test_state_and_reset_restore_the_seeded_start(boss):
    handle, _ = boss
    start = handle.state()
    assert start["hlr_drift_remaining"] == start["hlr_drift_at_start"] == 120
    assert start["subscribers"] == 600 and sum(start["tiers"].values()) == 600
    for msisdn in start["sample_msisdns"]["hlr_drifted"][:3]:
        post(handle, boss_command("SyncHLR", msisdn))
    after = handle.state()
    assert after["hlr_drift_remaining"] == 117 and after["hlr_syncs"] == 3
    handle.reset()
    assert handle.state() == start


def test_unknown_msisdn_is_a_subscriber_not_found_fault(boss):
    handle, _ = boss
    for operation in ("QueryCustomerTier", "QuerySubscriber", "SyncHLR"):
        resp = post(handle, boss_command(operation, "19999999999"))
        assert resp.status_code == 500
        code, message, _ = fault_of(resp.content)
        assert code == "Client.SubscriberNotFound"
        assert "19999999999" not in message and "199****9999" in message


@pytest.mark.parametrize("name", example_names("boss", "invalid"))
def test_invalid_examples_are_faults_listing_violations(boss, name):
    handle, _ = boss
    resp = post(handle, example_envelope("boss", name))
    assert resp.status_code == 500
    code, _, paths = fault_of(resp.content)
    assert code in {"Client.SchemaValidationError", "Client.UnknownOperation"}
    assert paths, "every violation is listed in the detail"


def test_several_violations_are_all_listed(boss):
    handle, _ = boss
    bad = boss_command("QueryCustomerTier", "123", message_id="x").replace(b"HUB", b"ESB")
    code, _, paths = fault_of(post(handle, bad).content)
    assert code == "Client.SchemaValidationError"
    assert {"/boss:QueryCustomerTier/boss:Header/c:MessageId", "/boss:QueryCustomerTier/boss:Header/c:SourceSystem",
            "/boss:QueryCustomerTier/boss:Msisdn"} <= set(paths)


@pytest.mark.parametrize("name", example_names("boss", "valid"))
def test_valid_examples_are_answered(boss, name):
    handle, _ = boss
    resp = post(handle, example_envelope("boss", name))
    code, _, _ = fault_of(resp.content)  # the example MSISDN 13800138000 is not in a seeded population
    assert code == "Client.SubscriberNotFound"


@pytest.mark.parametrize(("data", "code"), [
    (b"", "Client.EmptyBody"),
    (b"<not-xml", "Client.MalformedXml"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x/>', "Client.Forbidden"),
    (b"<boss:QueryCustomerTier xmlns:boss='urn:onepoint:boss:1'/>", "Client.NotSoap"),
    (b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>', "VersionMismatch"),
    (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>', "Client.BodyCount"),
    # the SOAP library's envelope rules hold in front of the emulators too
    (boss_command("QueryCustomerTier", "13800138000").replace(
        b"<soap:Body>", b'<soap:Header><t:Trace xmlns:t="urn:example:trace" soap:mustUnderstand="1"/></soap:Header>'
                        b"<soap:Body>"), "MustUnderstand"),
    (boss_command("QueryCustomerTier", "13800138000").replace(b"<soap:Body>", b"<soap:Body>text"),
     "Client.TextContent"),
    (b'\xef\xbb\xbf<?xml version="1.0" encoding="ISO-8859-1"?>' + boss_command("QueryCustomerTier", "13800138000"),
     "Client.MalformedXml"),
], ids=["empty", "not-xml", "doctype", "not-soap", "soap12", "no-command", "must-understand", "text-in-body",
        "bom-contradicts-declaration"])
def test_malformed_requests_are_soap_faults(boss, data, code):
    handle, _ = boss
    resp = post(handle, data)
    assert resp.status_code == 500
    assert fault_of(resp.content)[0] == code


def test_wsdl_carries_the_real_schemas(boss):
    handle, _ = boss
    resp = handle.http.get("/?wsdl")
    assert resp.status_code == 200
    assert b'targetNamespace="urn:onepoint:boss:1"' in resp.content
    assert b'name="Msisdn"' in resp.content and b"1[3-9][0-9]{9}" in resp.content


def test_the_wsdl_address_is_each_callers_own_host_and_never_a_hostile_one(boss):
    """spyne keeps the first WSDL it builds: a caller's Host header must not become every caller's address, and
    one that is not a plain host[:port] is never echoed."""
    handle, _ = boss
    first = handle.http.get("/?wsdl", headers={"Host": "boss.test.example:8101"})
    second = handle.http.get("/?wsdl")
    hostile = handle.http.get("/?wsdl", headers={"Host": 'x"><script>'})
    assert first.status_code == second.status_code == hostile.status_code == 200
    assert b'location="http://boss.test.example:8101/"' in first.content
    assert b"boss.test.example" not in second.content and b'location="http://' in second.content
    assert b"script" not in hostile.content and b'location="http://' in hostile.content
