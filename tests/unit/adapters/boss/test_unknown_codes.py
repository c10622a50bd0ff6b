"""A tier answer listing an identity of a tier code the hub does not know (a province's own, ``CAMPUS``) or a VIP
level newer than boss.xsd: what the hub does not know is skipped (logged) and the highest known tier answered,
valid against boss.xsd; anything else that fails the XSD is still refused (``adapters.boss.unknown_codes``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.unit.adapters.boss.tier_kit import BOSS, Boss, answer_of, boss_behind_respx, identity, tier_answer, valid
from tests.unit.adapters.soap_kit import command

pytestmark = pytest.mark.unit

CAMPUS = "<boss:Identity><boss:Tier>CAMPUS</boss:Tier></boss:Identity>"


@pytest.fixture
def boss() -> Iterator[Boss]:
    with boss_behind_respx() as running:
        yield running


def test_an_identity_of_a_tier_code_the_hub_does_not_know_is_skipped_and_the_vip_answered(
        boss: Boss, caplog: pytest.LogCaptureFixture) -> None:
    boss.route.respond(200, content=tier_answer(identity("VIP_DIAMOND", vip_level="DIAMOND") + identity("CONTRACT")
                                                + CAMPUS, "VIP_DIAMOND", 1))
    with caplog.at_level(logging.WARNING, logger="onepoint.adapters.boss"):
        result = boss.client.request(command("boss/QueryCustomerTier.valid.xml"))
    assert result.processed and not result.dead and result.outcome == "tier VIP_DIAMOND", result.reason
    answer = answer_of(result.reply)
    assert valid(answer)  # what the caller gets is boss.xsd's
    assert [t.text for t in answer.iterfind(f"{{{BOSS}}}Identity/{{{BOSS}}}Tier")] == ["VIP_DIAMOND", "CONTRACT"]
    assert (answer.findtext(f"{{{BOSS}}}EffectiveTier"), answer.findtext(f"{{{BOSS}}}Priority")) == ("VIP_DIAMOND",
                                                                                                    "1")
    (warned,) = [r for r in caplog.records if getattr(r, "tier", None) == "CAMPUS"]
    assert warned.levelno == logging.WARNING and "CAMPUS" in warned.getMessage()
    masked = warned.__dict__["msisdn"]
    assert masked != "13800138000" and masked.endswith("8000")  # the number masked


def test_an_unknown_code_ranked_above_the_known_ones_changes_nothing(boss: Boss) -> None:
    boss.route.respond(200, content=tier_answer(CAMPUS + identity("GROUP_MEMBER", group_role="MEMBER"),
                                                "GROUP_MEMBER", 2))
    answer = answer_of(boss.client.request(command("boss/QueryCustomerTier.valid.xml")).reply)
    assert valid(answer) and answer.findtext(f"{{{BOSS}}}EffectiveTier") == "GROUP_MEMBER"


def test_a_vip_level_the_hub_does_not_know_is_dropped_and_the_identity_kept(
        boss: Boss, caplog: pytest.LogCaptureFixture) -> None:
    boss.route.respond(200, content=tier_answer(identity("VIP_GOLD", vip_level="BLACK_CARD") + identity("CONTRACT"),
                                                "VIP_GOLD", 1))
    with caplog.at_level(logging.WARNING, logger="onepoint.adapters.boss"):
        answer = answer_of(boss.client.request(command("boss/QueryCustomerTier.valid.xml")).reply)
    assert valid(answer) and answer.findtext(f"{{{BOSS}}}EffectiveTier") == "VIP_GOLD"
    assert [t.text for t in answer.iterfind(f"{{{BOSS}}}Identity/{{{BOSS}}}Tier")] == ["VIP_GOLD", "CONTRACT"]
    assert answer.find(f".//{{{BOSS}}}VipLevel") is None
    assert any(getattr(r, "vip_level", None) == "BLACK_CARD" for r in caplog.records)


def test_an_effective_tier_the_hub_does_not_know_is_the_highest_known_identity(
        boss: Boss, caplog: pytest.LogCaptureFixture) -> None:
    """BOSS names a tier of its own as the effective one (a province's CAMPUS): the hub answers the highest identity
    it knows, with that tier's priority and answer target, instead of refusing the VIP's whole lookup."""
    boss.route.respond(200, content=tier_answer(identity("CONTRACT") + identity("VIP_SILVER", vip_level="GOLD")
                                                + CAMPUS, "CAMPUS", 4))
    with caplog.at_level(logging.WARNING, logger="onepoint.adapters.boss"):
        result = boss.client.request(command("boss/QueryCustomerTier.valid.xml"))
    assert result.processed and not result.dead and result.outcome == "tier VIP_GOLD", result.reason
    answer = answer_of(result.reply)
    assert valid(answer)
    assert (answer.findtext(f"{{{BOSS}}}EffectiveTier"), answer.findtext(f"{{{BOSS}}}Priority")) == ("VIP_GOLD", "1")
    (warned,) = [r for r in caplog.records if getattr(r, "effective_tier", None) == "CAMPUS"]
    assert warned.levelno == logging.WARNING and warned.__dict__["highest"] == "VIP_GOLD"


def valid_until(identity_xml: str, day: str) -> str:
    return identity_xml.replace("</boss:Identity>", f"<boss:ValidUntil>{day}</boss:ValidUntil></boss:Identity>")


def test_an_unknown_effective_tier_is_ranked_among_the_identities_still_valid(boss: Boss) -> None:
    """A VIP card that lapsed does not make an unknown effective tier a VIP's (session audit): the one valid
    identity, CONTRACT, is answered; with the VIP card still valid, VIP_GOLD."""
    for until, answered in (("2025-06-30", "CONTRACT"), ("2099-12-31", "VIP_GOLD")):
        boss.route.respond(200, content=tier_answer(valid_until(identity("VIP_GOLD"), until) + identity("CONTRACT")
                                                    + CAMPUS, "CAMPUS", 3))
        result = boss.client.request(command("boss/QueryCustomerTier.valid.xml"))
        assert result.processed and result.outcome == f"tier {answered}", result.reason


@pytest.mark.parametrize("answer", [
    tier_answer(identity("campus"), "CONTRACT", 3),  # not a code: malformed
    tier_answer(identity(""), "CONTRACT", 3),
    tier_answer(identity("VIP_GOLD", vip_level="gold card"), "VIP_GOLD", 1),
    tier_answer(CAMPUS, "CAMPUS", 3),  # BOSS's effective tier unknown and no known identity to rank
    tier_answer(valid_until(identity("VIP_GOLD"), "2025-06-30") + CAMPUS, "CAMPUS", 3),  # lapsed: no VIP
    tier_answer(identity("CONTRACT"), "campus", 3),  # an effective tier that is no code
    tier_answer(identity("GROUP_MEMBER", group_role="CHAIRMAN"), "GROUP_MEMBER", 2),  # only Tier and VipLevel
    tier_answer(CAMPUS, "CONTRACT", 3).replace(b"<boss:Brand>QQT</boss:Brand>", b"<boss:Brand>NOPE</boss:Brand>"),
], ids=["lower-case-tier", "empty-tier", "spaced-vip-level", "unknown-effective-tier-alone",
        "unknown-effective-tier-lapsed-vip", "malformed-effective-tier", "unknown-group-role", "unknown-brand"])
def test_anything_else_that_fails_the_xsd_is_still_refused(boss: Boss, answer: bytes) -> None:
    boss.route.respond(200, content=answer)
    result = boss.client.request(command("boss/QueryCustomerTier.valid.xml"))
    assert result.dead and result.reason is not None and "fails its XSD" in result.reason, result.reason
