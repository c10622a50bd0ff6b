"""The seeded population and the tier rules (pure functions, no servers)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from emulators.population import (
    DRIFT_KINDS,
    TIER_ORDER,
    Identity,
    answer_target,
    effective_tier,
    generate_population,
    is_account_managed,
    priority_of,
    vip_tier,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def population():
    return generate_population(7, 2000)


def test_same_seed_gives_the_same_population():
    assert generate_population(3, 300) == generate_population(3, 300)


def test_different_seed_gives_a_different_population():
    first, second = generate_population(3, 300), generate_population(4, 300)
    assert [s.msisdn for s in first.subscribers] != [s.msisdn for s in second.subscribers]


def test_generation_does_not_use_the_global_rng():
    import random

    random.seed(1)
    before = random.random()
    random.seed(1)
    generate_population(5, 50)
    assert random.random() == before


@pytest.mark.parametrize(("identities", "expected"), [
    (["GROUP_KEY_PERSON", "VIP_GOLD", "CONTRACT"], "VIP_GOLD"),
    (["CONTRACT", "GROUP_MEMBER"], "GROUP_MEMBER"),
    (["SHENZHOUXING", "LONG_DISTANCE_ROAMING"], "LONG_DISTANCE_ROAMING"),
    (["OTHER_BRAND", "PREPAID"], "PREPAID"),
    (["VIP_SILVER", "VIP_DIAMOND"], "VIP_DIAMOND"),
    (["GROUP_KEY_PERSON", "VIP_SILVER"], "VIP_SILVER"),
])
def test_highest_identity_wins(identities, expected):
    assert effective_tier(identities) == expected
    assert effective_tier([Identity(t) for t in reversed(identities)]) == expected


def test_effective_tier_refuses_no_identity_and_unknown_tiers():
    with pytest.raises(ValueError, match="at least one"):
        effective_tier([])
    with pytest.raises(ValueError, match="unknown customer tier"):
        effective_tier(["PLATINUM_CARD"])


@pytest.mark.parametrize(("tier", "priority", "target"), [
    ("VIP_DIAMOND", 1, (95, 20, 30)), ("GROUP_KEY_PERSON", 1, (95, 20, 30)), ("GROUP_MEMBER", 2, (80, 20, 30)),
    ("LONG_DISTANCE_ROAMING", 3, (85, 20, 60)), ("CONTRACT", 3, (80, 20, 60)), ("PREPAID", 4, (30, 20, 60)),
    ("SHENZHOUXING", 4, (60, 40, 60)), ("OTHER_BRAND", 4, (60, 40, 60)),
])
def test_priority_and_published_answer_targets(tier, priority, target):
    found = answer_target(tier)
    assert priority_of(tier) == priority
    assert (found.share_percent, found.within_seconds, found.window_minutes) == target


def test_vip_levels_map_to_tiers():
    assert [vip_tier(v) for v in ("LIFETIME_DIAMOND", "DIAMOND", "PLATINUM", "GOLD", "SILVER")] == [
        "VIP_DIAMOND", "VIP_DIAMOND", "VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER"]
    with pytest.raises(ValueError, match="unknown VIP level"):
        vip_tier("BRONZE")


def test_every_subscriber_is_well_formed(population):
    msisdns = [s.msisdn for s in population.subscribers]
    assert len(set(msisdns)) == len(msisdns) == 2000
    for sub in population.subscribers:
        assert re.fullmatch(r"1[3-9][0-9]{9}", sub.msisdn)
        assert re.fullmatch(r"0[1-9][0-9]{1,2}", sub.area_code)
        assert re.fullmatch(r"460[0-9]{12}", sub.imsi) and re.fullmatch(r"8986[0-9A-F]{15,16}", sub.iccid)
        assert sub.brand in {"QQT", "SZX", "DGDD", "OTHER"}
        assert sub.effective_tier == effective_tier(sub.identities) == sub.identities[0].tier
        assert population.by_msisdn(sub.msisdn) is sub
    assert population.by_msisdn("12000000000") is None


def test_population_covers_every_tier_brand_and_vip_level(population):
    tiers = Counter(s.effective_tier for s in population.subscribers)
    assert set(tiers) == set(TIER_ORDER)
    assert {s.brand for s in population.subscribers} == {"QQT", "SZX", "DGDD", "OTHER"}
    levels = {i.vip_level for s in population.subscribers for i in s.identities if i.vip_level}
    assert {"DIAMOND", "GOLD", "SILVER"} <= levels


def test_vip_who_is_also_a_group_key_person_is_served_as_vip(population):
    both = [s for s in population.subscribers
            if {i.tier for i in s.identities} >= {"GROUP_KEY_PERSON"} and s.identities[0].vip_level]
    assert both, "the population should hold VIPs who are also group key persons"
    for sub in both:
        assert sub.effective_tier.startswith("VIP_")
        assert sub.priority == 1


def test_account_managers_exactly_for_vip_and_group_customers(population):
    manager_ids = {m.id for m in population.account_managers}
    for sub in population.subscribers:
        if is_account_managed(sub.effective_tier):
            assert sub.account_manager_id in manager_ids
            assert sub in population.customers_of(sub.account_manager_id)
        else:
            assert sub.account_manager_id is None
    assert sum(len(population.customers_of(m)) for m in manager_ids) == sum(
        1 for s in population.subscribers if s.account_manager_id)


def test_group_members_share_their_group_manager(population):
    managers: dict[str, set[str]] = {}
    for sub in population.subscribers:
        top = sub.identities[0]
        if top.group_id and not top.vip_level:
            managers.setdefault(top.group_id, set()).add(sub.account_manager_id)
    assert managers and all(len(ids) == 1 for ids in managers.values())


@pytest.mark.parametrize("share", [0.0, 0.1, 0.25])
def test_hlr_drift_share_is_configurable(share):
    population = generate_population(1, 400, hlr_drift_share=share)
    drifted = population.drifted()
    assert len(drifted) == round(400 * share)
    for sub in drifted:
        assert sub.hlr.fields() != sub.boss_hlr_fields()
    for sub in population.subscribers:
        if not sub.drift:
            assert sub.hlr.fields() == sub.boss_hlr_fields()


def test_drift_kinds_match_their_description(population):
    kinds = Counter(s.drift[0] for s in population.drifted())
    assert set(kinds) == set(DRIFT_KINDS)
    for sub in population.drifted():
        hlr, boss = sub.hlr.fields(), sub.boss_hlr_fields()
        diff = {f for f in boss if hlr[f] != boss[f]}
        expected = {
            "MISSING_ROAMING": {"NATIONAL_ROAMING"}, "WRONG_BARRING": {"BARRING_ALL_OUTGOING"},
            "LINE2_SETTING": {"ALTERNATE_LINE"}, "STALE_IMSI": {"IMSI"},
        }.get(sub.drift[0])
        if expected is not None:
            assert diff == expected
        else:  # STALE_STATUS: reconnected in BOSS, still suspended in the HLR
            assert sub.status == "ACTIVE" and hlr["SUBSCRIBER_STATUS"] == "ONE_WAY_SUSPENDED"
            assert "SUBSCRIBER_STATUS" in diff and sub.status_reason.startswith("Reconnected")


def test_invalid_arguments_are_refused():
    with pytest.raises(ValueError, match="hlr_drift_share"):
        generate_population(0, 10, hlr_drift_share=1.5)
