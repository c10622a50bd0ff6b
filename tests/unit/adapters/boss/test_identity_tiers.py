"""Each identity counts at what BOSS says of it, not its ``Tier`` alone: a VIP card level raises it to that level's
tier (PLATINUM → VIP_DIAMOND: "a customer is never served below the BOSS level", boss.xsd), a group's key person
(DECISION_MAKER, CONTACT) to GROUP_KEY_PERSON (served like VIPs); then the highest identity wins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.boss import Identity, mapping
from hub.customer_tiers import VIP_LEVEL_TIERS
from tests.unit.adapters.boss.tier_kit import BOSS, Boss, answer_of, boss_behind_respx, identity, tier_answer, valid
from tests.unit.adapters.soap_kit import command

pytestmark = pytest.mark.unit


@pytest.fixture
def boss() -> Iterator[Boss]:
    with boss_behind_respx() as running:
        yield running


def answered(boss: Boss, identities: str, effective: str, priority: int) -> tuple[str | None, str | None]:
    boss.route.respond(200, content=tier_answer(identities, effective, priority))
    result = boss.client.request(command("boss/QueryCustomerTier.valid.xml"))
    answer = answer_of(result.reply)
    assert result.processed and valid(answer), result.reason
    return answer.findtext(f"{{{BOSS}}}EffectiveTier"), answer.findtext(f"{{{BOSS}}}Priority")


def test_a_platinum_card_listed_as_vip_gold_is_served_as_vip_diamond(boss: Boss) -> None:
    identities = identity("VIP_GOLD", vip_level="PLATINUM") + identity("CONTRACT")
    assert answered(boss, identities, "VIP_GOLD", 1) == ("VIP_DIAMOND", "1")


@pytest.mark.parametrize("role", ["DECISION_MAKER", "CONTACT"])
def test_a_groups_key_person_listed_as_a_member_is_served_as_a_key_person(boss: Boss, role: str) -> None:
    identities = identity("GROUP_MEMBER", group_role=role) + identity("CONTRACT")
    assert answered(boss, identities, "GROUP_MEMBER", 2) == ("GROUP_KEY_PERSON", "1")


def test_an_ordinary_member_stays_a_member(boss: Boss) -> None:
    identities = identity("GROUP_MEMBER", group_role="MEMBER") + identity("CONTRACT")
    assert answered(boss, identities, "GROUP_MEMBER", 2) == ("GROUP_MEMBER", "2")


def test_the_schemas_vip_levels_are_the_ones_the_hub_maps() -> None:
    assert set(mapping.enumeration("boss.xsd", "VipLevel")) == set(VIP_LEVEL_TIERS)


@pytest.mark.parametrize(("listed", "served"), [
    (Identity("VIP_GOLD", vip_level="PLATINUM"), "VIP_DIAMOND"),
    (Identity("VIP_SILVER", vip_level="LIFETIME_DIAMOND"), "VIP_DIAMOND"),
    (Identity("CONTRACT", vip_level="SILVER"), "VIP_SILVER"),
    (Identity("VIP_GOLD", vip_level="SILVER"), "VIP_GOLD"),  # raised, never lowered
    (Identity("VIP_GOLD", vip_level="GOLD"), "VIP_GOLD"),
    (Identity("GROUP_MEMBER", group_id="4403001288", group_role="DECISION_MAKER"), "GROUP_KEY_PERSON"),
    (Identity("GROUP_MEMBER", group_id="4403001288", group_role="CONTACT"), "GROUP_KEY_PERSON"),
    (Identity("GROUP_MEMBER", group_id="4403001288", group_role="MEMBER"), "GROUP_MEMBER"),
    (Identity("VIP_SILVER", group_id="4403001288", group_role="CONTACT"), "VIP_SILVER"),
    (Identity("CONTRACT"), "CONTRACT"),
])
def test_an_identity_is_served_at_the_highest_of_its_tier_card_level_and_group_role(listed: Identity,
                                                                                   served: str) -> None:
    assert mapping.identity_tier(listed) == served
