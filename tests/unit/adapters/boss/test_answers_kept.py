"""What the BOSS adapter answers when BOSS's answer disagrees with itself or was lost on the way: the highest
valid identity wins (with its priority; validity on the operator's day, never BOSS's published answer target of the
tier it named), and a SyncHLR whose first answer was lost (BOSS repaired, the read timed
out) still gets the repair's diff on the retry, BOSS (the emulator, in process) keying on the MessageId."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
from lxml import etree

from adapters.boss import BossClient, dependencies, handlers
from emulators.boss import create_emulator
from emulators.toolkit.handle import EmulatorHandle, in_process_emulator
from hub.config.settings import HubSettings, WorkflowSettings
from hub.gateways import SoapGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import BASE_URL, WSDL_URL, C, command, registry, settings, soap_answer, wsdl

pytestmark = pytest.mark.unit
BOSS = "urn:onepoint:boss:1"
OPERATOR_ZONE = ZoneInfo("Asia/Shanghai")
VIP_TARGET = ("<boss:AnswerTarget><boss:ShareAnsweredPercent>95</boss:ShareAnsweredPercent>"
              "<boss:AnswerWithinSeconds>20</boss:AnswerWithinSeconds><boss:WindowMinutes>30</boss:WindowMinutes>"
              "</boss:AnswerTarget>")


def tier_answer(identities: str, effective: str, priority: int, target: str = "") -> bytes:
    document = (f'<boss:QueryCustomerTierResponse xmlns:boss="{BOSS}" xmlns:c="{C}"><boss:Ack>'
                "<c:MessageId>cs-test-00000001</c:MessageId><c:Status>COMPLETED</c:Status>"
                "<c:ReceivedAt>2026-12-05T08:00:00.000+08:00</c:ReceivedAt></boss:Ack>"
                f"<boss:Msisdn>13800138000</boss:Msisdn><boss:Brand>QQT</boss:Brand>{identities}"
                f"<boss:EffectiveTier>{effective}</boss:EffectiveTier><boss:Priority>{priority}</boss:Priority>"
                f"{target}</boss:QueryCustomerTierResponse>")
    return soap_answer(document.encode())


def identity(tier: str, valid_until: str | None = None) -> str:
    until = f"<boss:ValidUntil>{valid_until}</boss:ValidUntil>" if valid_until else ""
    return f"<boss:Identity><boss:Tier>{tier}</boss:Tier>{until}</boss:Identity>"


@pytest.fixture
def boss_route() -> Iterator[tuple[respx.Route, WorkerTestClient]]:
    with respx.mock(assert_all_called=False) as router:
        router.get(WSDL_URL).respond(200, content=wsdl("boss"), headers={"content-type": "text/xml"})
        route = router.post(BASE_URL)
        gateway = SoapGateway(settings("boss"), registry().get("boss"))
        try:
            yield route, WorkerTestClient(handlers, consumer="boss", dependencies={
                "boss": BossClient(gateway), "operator_zone": OPERATOR_ZONE})
        finally:
            gateway.close()


def answered(client: WorkerTestClient, received_at: datetime | None = None) -> etree._Element:
    envelope = command("boss/QueryCustomerTier.valid.xml")
    if received_at is not None:
        envelope = dataclasses.replace(envelope, received_at=received_at)
    result = client.request(envelope)
    assert result.processed and result.reply is not None, result
    answer = etree.fromstring(result.reply)
    assert registry().get("boss").lxml_schema.validate(answer)
    return answer


class TestHighestIdentityWins:
    def test_the_highest_identity_and_its_priority_are_answered_and_the_disagreement_logged(self, boss_route,
                                                                                            caplog):
        route, client = boss_route
        route.respond(200, content=tier_answer(identity("VIP_GOLD") + identity("CONTRACT"), "CONTRACT", 3))
        with caplog.at_level(logging.WARNING, logger="onepoint.adapters.boss"):
            answer = answered(client)
        assert (answer.findtext(f"{{{BOSS}}}EffectiveTier"), answer.findtext(f"{{{BOSS}}}Priority")) == ("VIP_GOLD",
                                                                                                        "1")
        assert any(getattr(r, "effective_tier", None) == "CONTRACT" and getattr(r, "highest", None) == "VIP_GOLD"
                   for r in caplog.records)

    def test_an_identity_whose_valid_until_has_passed_does_not_count(self, boss_route):
        route, client = boss_route
        route.respond(200, content=tier_answer(identity("VIP_GOLD", "2020-12-31") + identity("CONTRACT"),
                                               "VIP_GOLD", 1))
        answer = answered(client)
        assert (answer.findtext(f"{{{BOSS}}}EffectiveTier"), answer.findtext(f"{{{BOSS}}}Priority")) == ("CONTRACT",
                                                                                                        "3")

    def test_a_card_that_expired_yesterday_on_the_operators_calendar_no_longer_counts(self, boss_route):
        route, client = boss_route
        route.respond(200, content=tier_answer(identity("VIP_GOLD", "2026-12-05") + identity("CONTRACT"),
                                               "VIP_GOLD", 1))
        # 2026-12-05T17:30Z is 2026-12-06 01:30 in Beijing: the card's last day (in the operator's calendar) is over
        answer = answered(client, received_at=datetime(2026, 12, 5, 17, 30, tzinfo=UTC))
        assert (answer.findtext(f"{{{BOSS}}}EffectiveTier"), answer.findtext(f"{{{BOSS}}}Priority")) == ("CONTRACT",
                                                                                                        "3")

    def test_the_day_is_the_operator_zone_the_adapter_is_given(self):
        with respx.mock(assert_all_called=False) as router:
            router.get(WSDL_URL).respond(200, content=wsdl("boss"), headers={"content-type": "text/xml"})
            route = router.post(BASE_URL)
            route.respond(200, content=tier_answer(identity("VIP_GOLD", "2026-12-05") + identity("CONTRACT"),
                                                   "VIP_GOLD", 1))
            london = HubSettings(adapters=(settings("boss"),),
                                 workflow=WorkflowSettings(statistics_timezone="Europe/London"))
            deps = dependencies(london)
            assert deps["operator_zone"] == ZoneInfo("Europe/London")
            try:
                client = WorkerTestClient(handlers, consumer="boss", dependencies=deps)
                answer = answered(client, received_at=datetime(2026, 12, 5, 17, 30, tzinfo=UTC))
            finally:
                deps["boss"].close()
        assert answer.findtext(f"{{{BOSS}}}EffectiveTier") == "VIP_GOLD"  # still the 5th in London

    def test_an_overridden_answer_carries_the_answer_target_of_the_tier_it_names(self, boss_route):
        route, client = boss_route
        route.respond(200, content=tier_answer(identity("VIP_GOLD", "2020-12-31") + identity("CONTRACT"),
                                               "VIP_GOLD", 1, VIP_TARGET))
        answer = answered(client)
        assert answer.findtext(f"{{{BOSS}}}EffectiveTier") == "CONTRACT"
        assert [answer.findtext(f"{{{BOSS}}}AnswerTarget/{{{BOSS}}}{name}")  # CONTRACT's, not the VIP's 95/20/30
                for name in ("ShareAnsweredPercent", "AnswerWithinSeconds", "WindowMinutes")] == ["80", "20", "60"]

    def test_an_answer_that_agrees_is_passed_on_as_boss_gave_it(self, boss_route):
        route, client = boss_route
        route.respond(200, content=tier_answer(identity("VIP_GOLD", "2099-12-31") + identity("CONTRACT"),
                                               "VIP_GOLD", 1))
        answer = answered(client)
        assert (answer.findtext(f"{{{BOSS}}}EffectiveTier"), answer.findtext(f"{{{BOSS}}}Priority")) == ("VIP_GOLD",
                                                                                                        "1")

    def test_a_missing_priority_is_added_where_the_xsd_puts_it(self, boss_route):
        route, client = boss_route
        route.respond(200, content=tier_answer(identity("GROUP_MEMBER") + identity("VIP_SILVER"), "GROUP_MEMBER",
                                               2).replace(b"<boss:Priority>2</boss:Priority>", b""))
        answer = answered(client)  # XSD-valid: Priority after EffectiveTier
        assert (answer.findtext(f"{{{BOSS}}}EffectiveTier"), answer.findtext(f"{{{BOSS}}}Priority")) == (
            "VIP_SILVER", "1")


@pytest.fixture
def emulated_boss() -> Iterator[EmulatorHandle]:
    handle = in_process_emulator(create_emulator(seed=0, subscribers=200))
    try:
        yield handle
    finally:
        handle.stop()


def test_a_sync_whose_answer_was_lost_is_answered_with_the_repair_on_the_retry(boss_route, emulated_boss):
    """BOSS repairs the HLR, its answer is lost (the read times out); the adapter's retry, with the same
    MessageId, gets the first answer's diff, not "nothing changed"."""
    route, client = boss_route
    state = emulated_boss.app.boss_state  # type: ignore[attr-defined]
    msisdn = state.drifted()[0]
    expected = {(c.field, c.hlr_value, c.boss_value) for c in state.differences(msisdn)}
    calls: list[str] = []

    def to_boss(request: httpx.Request) -> httpx.Response:
        answer = emulated_boss.http.post("/", content=request.content, headers=dict(request.headers))
        calls.append(answer.text)
        if len(calls) == 1:  # BOSS acted; its answer never arrives
            raise httpx.ReadTimeout("read timed out", request=request)
        return httpx.Response(answer.status_code, content=answer.content, headers={"content-type": "text/xml"})

    route.side_effect = to_boss
    sync = command("boss/SyncHLR.valid.xml", message_id="cs-sync-lost-0001",
                   replace={b"13800138000": msisdn.encode()})
    result = client.request(sync)
    assert result.processed and result.attempts == 2 and len(calls) == 2, result
    answer = etree.fromstring(result.reply or b"")
    assert answer.findtext(f"{{{BOSS}}}Changed") == "true"
    assert {(c.findtext(f"{{{BOSS}}}Field"), c.findtext(f"{{{BOSS}}}HlrValue"), c.findtext(f"{{{BOSS}}}BossValue"))
            for c in answer.iterfind(f"{{{BOSS}}}Change")} == expected
    assert state.differences(msisdn) == [] and emulated_boss.state()["hlr_syncs"] == 1  # repaired once
