"""The simulated day from a seed, without a system: the same seed gives the same day, arrivals follow the daily
curve, the outage's burst and the mass complaint are where the scenario says, the intake's faults are what the
shares say, and every CreateWorkOrder is valid against the command set."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from hub.simulate import arrivals, build_scenario, create_work_orders
from hub.simulate.arrivals import VAGUE
from hub.simulate.scenario import CHINA, DAILY_COMPLAINTS
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.documents import DocumentSetValidator
from hub.validation.parser import ParserLimits


@pytest.fixture(scope="module")
def day() -> list:  # type: ignore[type-arg]
    return list(arrivals(build_scenario(5, 1.0)))


def test_a_seed_gives_the_same_day_and_another_seed_another() -> None:
    first = [(a.at, a.msisdn, a.category, a.channel, a.fields) for a in arrivals(build_scenario(5, 0.2))]
    again = [(a.at, a.msisdn, a.category, a.channel, a.fields) for a in arrivals(build_scenario(5, 0.2))]
    other = [(a.at, a.msisdn, a.category, a.channel, a.fields) for a in arrivals(build_scenario(6, 0.2))]
    assert first == again
    assert first != other


def test_the_day_is_a_working_day_and_its_traffic_scales() -> None:
    for seed in range(5):
        assert build_scenario(seed).day.weekday() < 5
    small, big = build_scenario(1, 0.1), build_scenario(1, 2.0)
    assert small.daily_complaints == DAILY_COMPLAINTS // 10 and big.daily_complaints == 2 * DAILY_COMPLAINTS
    with pytest.raises(ValueError, match="scale"):
        build_scenario(1, 0)


def test_arrivals_come_in_time_order_and_follow_the_daily_curve(day: list) -> None:  # type: ignore[type-arg]
    assert [a.at for a in day] == sorted(a.at for a in day)
    hours = Counter(a.at.astimezone(CHINA).hour for a in day if a.kind == "day")
    night, late_morning, evening = hours[2] + hours[3] + hours[4], hours[10] + hours[11], hours[19] + hours[20]
    assert late_morning > 5 * max(night, 1) and evening > 5 * max(night, 1)
    assert sum(hours.values()) == pytest.approx(DAILY_COMPLAINTS, rel=0.1)


def test_channels_and_tiers_come_from_the_mix_and_the_seeded_population(day: list) -> None:  # type: ignore[type-arg]
    scenario = build_scenario(5, 1.0)
    channels = Counter(a.channel for a in day if a.kind == "day")
    assert set(channels) == {"HOTLINE", "BUSINESS_HALL", "WEB", "SMS", "EMAIL", "ACCOUNT_MANAGER"}
    assert channels.most_common(1)[0][0] == "HOTLINE"
    assert all(a.customer.account_manager_id for a in day if a.channel == "ACCOUNT_MANAGER")
    population = {s.msisdn for s in scenario.population.subscribers}
    assert all(a.msisdn in population for a in day)
    assert len({a.customer.effective_tier for a in day}) >= 6


def test_the_outage_burst_straddles_the_notice_in_its_area(day: list) -> None:  # type: ignore[type-arg]
    outage = build_scenario(5, 1.0).outage
    burst = [a for a in day if a.kind == "outage"]
    assert len(burst) == outage.complaints == 10
    assert all((a.area_code, a.district) == (outage.area_code, outage.district) for a in burst)
    assert all(a.category in outage.categories and a.network and a.quality == "complete" for a in burst)
    assert sum(a.at < outage.notice_at for a in burst) == outage.before_notice == 3
    assert all(outage.starts < a.at < outage.cleared_at for a in burst)


def test_the_mass_complaint_is_enough_at_one_hall_within_the_window(day: list) -> None:  # type: ignore[type-arg]
    mass = build_scenario(5, 1.0).mass
    hall = [a for a in day if a.kind == "mass"]
    assert len(hall) == 12 >= 10
    assert {(a.intake_point, a.category, a.channel) for a in hall} == {(mass.intake_point, mass.category,
                                                                        "BUSINESS_HALL")}
    assert hall[-1].at - hall[0].at < mass.spread


def test_intake_faults_follow_the_shares_and_are_what_they_say() -> None:
    scenario = replace(build_scenario(2, 3.0), incomplete_share=0.07, vague_share=0.03)
    network = [a for a in arrivals(scenario) if a.kind == "day" and a.network]
    quality = Counter(a.quality for a in network)
    assert quality["incomplete"] / len(network) == pytest.approx(0.07, abs=0.025)
    assert quality["vague"] / len(network) == pytest.approx(0.03, abs=0.015)
    for arrival in network:
        template = scenario.taxonomy.phenomenon(arrival.category)
        base = {"msisdn": arrival.msisdn, "contact_number": arrival.msisdn}
        assert template.missing_fields({**base, **arrival.full_fields}) == []
        missing = template.missing_fields({**base, **arrival.fields})
        if arrival.quality == "incomplete":
            assert len(missing) == 1 and len(arrival.fields) == len(arrival.full_fields) - 1
        else:
            assert missing == []
        assert (VAGUE in arrival.fields.values()) == (arrival.quality == "vague")


def test_every_create_work_order_is_valid_against_the_command_set() -> None:
    validator = DocumentSetValidator(CommandSetRegistry.installed(), ParserLimits(1_000_000, 50))
    documents = list(create_work_orders(7, 0.3, run="unit"))
    assert documents
    for offset, document in documents:
        assert validator.validate_bytes(document).document_type.endswith("CreateWorkOrder")
        assert 0 <= offset < 86_400
    hall = [d for _, d in documents if b"<wo:IntakePoint>" in d]
    assert len(hall) == 12


@pytest.mark.parametrize("seed", [1, 3, 46, 51])  # 3: its district has fewer than 10
def test_each_complaint_of_a_burst_is_another_customer(seed: int) -> None:
    """The incident rule counts different customers: the mass complaint's twelve are twelve people, every seed
    (a district with too few lends customers of its area)."""
    day = list(arrivals(build_scenario(seed, 0.01)))
    for kind in ("mass", "outage"):
        burst = [a.msisdn for a in day if a.kind == kind]
        assert len(set(burst)) == len(burst) >= 10, kind
