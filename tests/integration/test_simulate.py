"""A small province day played on the whole system (memory:// broker, SQLite store, the emulators) twice from
one seed, every rule on then off: the rules' effects, read from the hub's store and NSP's tickets, not times.

The day is tiny (a twentieth of the background traffic) and its intakes sloppier than the published 7 % + 3 %
(so the template rule has work at this size); the outage's burst (3 before the notice, 7 after) and the mass
complaint (12 at one business hall within 20 minutes) stay whole.

The days played once each (a hub that loses the template fields, the command, RabbitMQ, signals) are
test_simulate_single_runs.py: a file of their own, so that pytest-xdist's ``--dist loadfile`` puts them on another
worker than this pair.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.simulate import Scenario, SimulationRun, arrivals, build_scenario, create_work_orders, run_day

SEED = 3
SPEED = 1_000.0  # simulated seconds per real second while anything happens (idle gaps are jumped over)


def sloppy_day() -> Scenario:
    """The tiny day of ``SEED`` with intakes sloppy enough for the template rule to have work at this size."""
    return replace(build_scenario(SEED, 0.05), incomplete_share=0.3, vague_share=0.05)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return sloppy_day()


@pytest.fixture(scope="module")
def rules_on(scenario: Scenario) -> SimulationRun:
    return run_day(scenario, rules=True, speed=SPEED)


@pytest.fixture(scope="module")
def rules_off(scenario: Scenario) -> SimulationRun:
    return run_day(scenario, rules=False, speed=SPEED)


def needs_rule(run: SimulationRun, rule: str) -> None:
    if rule not in run.rules_in_force:
        pytest.skip(f"the {rule!r} intake rule has not landed yet (rules in force: {run.rules_in_force})")


@pytest.mark.integration
def test_the_scenario_has_work_for_every_rule(scenario: Scenario) -> None:
    day = list(arrivals(scenario))
    kinds = [a.kind for a in day]
    assert kinds.count("outage") == 10 and kinds.count("mass") == 12
    assert sum(a.quality == "incomplete" for a in day) >= 2
    assert [a.at for a in day] == sorted(a.at for a in day)
    before = [a for a in day if a.kind == "outage" and a.at < scenario.outage.notice_at]
    assert len(before) == scenario.outage.before_notice == 3


@pytest.mark.integration
def test_with_the_rules_on_the_outage_is_answered_at_intake_after_its_notice(rules_on: SimulationRun) -> None:
    needs_rule(rules_on, "outage")
    assert rules_on.notice_delivered
    outage = rules_on.figures.outage
    assert outage.complaints == 10
    assert outage.answered_at_intake == 7  # every complaint taken after the notice arrived
    assert outage.dispatches == 3 and outage.nsp_tickets == 3  # only those taken before it
    assert outage.linked == 10  # the notice links the earlier ones too
    hub = rules_on.statistics  # the hub's own counters agree
    assert not hub.error, hub.error
    assert [(o["Linked"], o["AutoAnswered"], o["Dispatched"]) for o in hub.outages] == [(10, 7, 3)]


@pytest.mark.integration
def test_with_the_rules_on_the_mass_complaint_opens_one_incident_told_once_to_nsp(rules_on: SimulationRun) -> None:
    needs_rule(rules_on, "mass-complaint")
    mass, figures = rules_on.figures.mass, rules_on.figures
    assert mass.incidents == 1 and figures.incidents == 1
    assert mass.linked == 12  # the window's complaints and the later ones
    assert mass.incident_tickets == 1  # NSP told once, with the fault report
    assert mass.nsp_tickets - mass.incident_tickets == 9  # only the complaints before the threshold went on their own


@pytest.mark.integration
def test_with_the_rules_off_every_complaint_is_dispatched(rules_off: SimulationRun) -> None:
    assert rules_off.rules_in_force == []
    figures = rules_off.figures
    assert figures.auto_answered == 0 and figures.incidents == 0
    assert figures.outage.answered_at_intake == 0 and figures.outage.dispatches == 10
    assert figures.outage.nsp_tickets == 10
    assert figures.mass.incidents == 0 and figures.mass.nsp_tickets == 12
    assert figures.dispatches_unchecked >= 2 and figures.dispatches_refused == 0


@pytest.mark.integration
def test_templates_lower_the_invalid_dispatch_share(rules_on: SimulationRun, rules_off: SimulationRun) -> None:
    assert "enforce_templates" in rules_on.rules_in_force
    on, off = rules_on.figures, rules_off.figures
    assert on.dispatches_refused >= 2 and on.dispatches_unchecked == 0
    assert on.invalid_dispatch_share is not None and off.invalid_dispatch_share is not None
    assert on.invalid_dispatch_share < off.invalid_dispatch_share
    assert on.dispatches_rejected < off.dispatches_rejected
    assert rules_on.statistics.totals["InvalidDispatches"] < rules_off.statistics.totals["InvalidDispatches"]
    # the hub's own statistics count the refusals as the store's history holds them
    assert rules_on.statistics.totals["DispatchesRefused"] == on.dispatches_refused
    assert rules_off.statistics.totals["DispatchesRefused"] == 0


@pytest.mark.integration
def test_every_complaint_reaches_the_hub_and_is_worked_to_its_end(rules_on: SimulationRun,
                                                                  rules_off: SimulationRun) -> None:
    for run in (rules_on, rules_off):
        assert run.figures.complaints == sum(run.arrivals.values())
        assert run.unfinished == 0
        assert set(run.figures.by_state) <= {"CLOSED", "RETURN_VISITED", "ESCALATED", "REPLIED", "IN_PROGRESS",
                                             "AUTO_ANSWERED"}, run.figures.by_state
        assert run.figures.by_state.get("CLOSED", 0) >= 0.8 * run.figures.complaints
        assert set(run.figures.sla) <= {"VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER", "GROUP_KEY_PERSON", "GROUP_MEMBER",
                                        "LONG_DISTANCE_ROAMING", "CONTRACT", "PREPAID", "SHENZHOUXING",
                                        "OTHER_BRAND"}


@pytest.mark.integration
def test_the_hub_did_its_part_no_dead_letter_no_failure(rules_on: SimulationRun, rules_off: SimulationRun) -> None:
    """Every NSP reply answers its work order's current dispatch (none set aside as stale), nothing failed."""
    for run in (rules_on, rules_off):
        assert run.dead_letters and not any(run.dead_letters.values()), run.dead_letters
        assert run.failures == [] and not run.dead_letters_unread, run.failures


@pytest.mark.integration
def test_the_load_source_is_the_same_day_for_the_same_seed() -> None:
    first = [(offset, document.split(b"<wo:Channel>")[1]) for offset, document in create_work_orders(SEED, 0.05)]
    again = [(offset, document.split(b"<wo:Channel>")[1]) for offset, document in create_work_orders(SEED, 0.05)]
    assert first == again and len(first) > 22
    assert all(0 <= offset < 86_400 for offset, _ in first)
    assert first != [(o, d.split(b"<wo:Channel>")[1]) for o, d in create_work_orders(SEED + 1, 0.05)]
