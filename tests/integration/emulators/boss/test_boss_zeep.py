"""The BOSS emulator on 127.0.0.1, driven by a real zeep client over HTTP (WSDL fetched from the emulator)."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime

import pytest

from emulators.toolkit import FakeClock
from tests.unit.emulators.soap_helpers import NS

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import zeep
    from zeep.exceptions import Fault
    from zeep.wsse.username import UsernameToken

pytestmark = pytest.mark.integration


def header(message_id: str = "hub-zeep-00000001") -> dict[str, object]:
    return {"MessageId": message_id, "CorrelationId": "cs-20261123-000001", "SourceSystem": "HUB",
            "SentAt": datetime.now(UTC)}


def client_for(handle, **kwargs) -> zeep.Client:
    return zeep.Client(handle.url("/?wsdl"), settings=zeep.Settings(forbid_dtd=True), **kwargs)


@pytest.fixture
def boss(boss_emulator):
    return boss_emulator, client_for(boss_emulator), boss_emulator.app.boss_state


def test_query_customer_tier_over_http(boss):
    handle, client, state = boss
    sub = next(s for s in state.population.subscribers
               if s.identities[0].vip_level == "GOLD" and any(i.tier == "GROUP_KEY_PERSON" for i in s.identities))
    answer = client.service.QueryCustomerTier(Header=header("hub-zeep-tier-0001"), Msisdn=sub.msisdn)
    assert answer.Ack.MessageId == "hub-zeep-tier-0001" and answer.Ack.Status == "COMPLETED"
    assert answer.Ack.ReceivedAt.utcoffset() is not None
    assert [i.Tier for i in answer.Identity][:2] == ["VIP_GOLD", "GROUP_KEY_PERSON"]
    assert answer.EffectiveTier == "VIP_GOLD" and answer.Priority == 1
    assert answer.AccountManagerId == sub.account_manager_id
    assert (answer.AnswerTarget.ShareAnsweredPercent, answer.AnswerTarget.AnswerWithinSeconds,
            answer.AnswerTarget.WindowMinutes) == (95, 20, 30)
    handle.assert_called("QueryCustomerTier", times=1)
    handle.assert_called("QueryCustomerTier", times=1, xpath=f"//boss:Msisdn[text()='{sub.msisdn}']",
                         namespaces={"boss": NS["boss"]})


def test_query_subscriber_over_http(boss):
    handle, client, state = boss
    sub = state.population.subscribers[0]
    answer = client.service.QuerySubscriber(Header=header(), Msisdn=sub.msisdn)
    assert answer.Subscriber.Msisdn == sub.msisdn and answer.Subscriber.Brand == sub.brand
    assert answer.Subscriber.HomeArea.AreaCode == sub.area_code
    assert {s.Code: s.Enabled for s in answer.Subscriber.Service} == {s.code: s.enabled for s in sub.services}
    handle.assert_called("QuerySubscriber", times=1)


def test_sync_hlr_is_idempotent_and_reset_restores_the_drift(boss):
    handle, client, state = boss
    msisdn = state.drifted()[0]
    first = client.service.SyncHLR(Header=header(), Msisdn=msisdn, Reason="No roaming since this morning")
    assert first.Changed is True and first.Change
    assert {(c.Field, c.HlrValue, c.BossValue) for c in first.Change} == {
        (f, v, state.subscriber(msisdn).boss_hlr_fields()[f]) for f, v in
        ((c.Field, c.HlrValue) for c in first.Change)}
    second = client.service.SyncHLR(Header=header("hub-zeep-00000002"), Msisdn=msisdn, Reason="again")
    assert second.Changed is False and not second.Change
    assert handle.state()["hlr_drift_remaining"] == 99
    handle.reset()
    assert handle.state()["hlr_drift_remaining"] == 100
    again = client.service.SyncHLR(Header=header("hub-zeep-00000003"), Msisdn=msisdn, Reason="after reset")
    assert again.Changed is True
    handle.assert_called("SyncHLR", times=1)  # the reset cleared the journal too


def test_invalid_request_is_a_fault_listing_every_violation(boss):
    _, client, _ = boss
    with pytest.raises(Fault) as raised:  # zeep checks presence only: patterns and enums are the server's job
        client.service.QueryCustomerTier(Header={**header(), "SourceSystem": "ESB", "MessageId": "x"}, Msisdn="123")
    assert raised.value.code.endswith("Client.SchemaValidationError")
    found = raised.value.detail.iterfind("c:Error/c:Violation/c:Path", NS)
    paths = {re.sub(r"\{[^}]*\}|\w+:", "", p.text) for p in found}
    assert {"/QueryCustomerTier/Header/MessageId", "/QueryCustomerTier/Header/SourceSystem",
            "/QueryCustomerTier/Msisdn"} <= paths  # paths use the request's own prefixes or {ns}


def test_unknown_msisdn_is_a_fault(boss):
    _, client, _ = boss
    with pytest.raises(Fault) as raised:
        client.service.QueryCustomerTier(Header=header(), Msisdn="19999999999")
    assert raised.value.code.endswith("Client.SubscriberNotFound")


def test_error_rate_fault_is_seen_by_zeep(boss):
    handle, client, state = boss
    msisdn = state.population.subscribers[1].msisdn
    handle.add_fault("error", "QueryCustomerTier", probability=0.5)
    codes = []
    for n in range(30):
        try:
            client.service.QueryCustomerTier(Header=header(f"hub-rate-{n:08d}"), Msisdn=msisdn)
        except Fault as exc:
            codes.append(exc.code)
    faults = len(codes)
    assert all(code.endswith("Server") for code in codes)
    assert 0 < faults < 30
    assert len(handle.journal(operation="QueryCustomerTier", fault="error")) == faults
    client.service.QuerySubscriber(Header=header(), Msisdn=msisdn)  # other operations are not affected
    handle.reset()
    assert client.service.QueryCustomerTier(Header=header(), Msisdn=msisdn).Ack.Status == "COMPLETED"


def test_latency_is_recorded_in_the_journal(emulator_factory):
    clock = FakeClock()
    handle = emulator_factory("boss", clock=clock)
    client = client_for(handle)
    msisdn = handle.app.boss_state.population.subscribers[0].msisdn
    handle.add_fault("latency", "QueryCustomerTier", distribution="fixed", seconds=1.5)
    client.service.QueryCustomerTier(Header=header(), Msisdn=msisdn)
    (entry,) = handle.journal(operation="QueryCustomerTier")
    assert [f["kind"] for f in entry["faults"]] == ["latency"]
    assert entry["latency_ms"] >= 1500 and clock.sleeps == [1.5]


def test_ws_security_is_verified_when_configured(emulator_factory):
    handle = emulator_factory("boss", ws_users={"hub": "s3cret"})
    msisdn = handle.app.boss_state.population.subscribers[0].msisdn
    signed = client_for(handle, wsse=UsernameToken("hub", "s3cret", use_digest=True))
    assert signed.service.QueryCustomerTier(Header=header(), Msisdn=msisdn).Msisdn == msisdn
    for wsse in (None, UsernameToken("hub", "wrong", use_digest=True)):
        with pytest.raises(Fault) as raised:
            client_for(handle, wsse=wsse).service.QueryCustomerTier(Header=header(), Msisdn=msisdn)
        assert raised.value.code.startswith("wsse:")


def test_ws_security_header_is_accepted_and_ignored_by_default(boss_emulator):
    msisdn = boss_emulator.app.boss_state.population.subscribers[0].msisdn
    client = client_for(boss_emulator, wsse=UsernameToken("anyone", "anything", use_digest=True))
    assert client.service.QueryCustomerTier(Header=header(), Msisdn=msisdn).Ack.Status == "COMPLETED"
