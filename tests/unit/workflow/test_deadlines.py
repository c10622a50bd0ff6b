"""Deadlines from a work order's timing facts: business calendars, pause credit, handovers, recalculation."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.workflow.calendars import Calendars, load_calendars
from hub.workflow.clock import Clock, ManualClock, SystemClock
from hub.workflow.datafile import packaged
from hub.workflow.deadlines import (
    Alert,
    AlertLevel,
    DeadlineKind,
    Due,
    TimingFacts,
    compute_deadlines,
    is_current,
    next_escalation,
    pauses_from_states,
    recalculate,
)
from hub.workflow.sla import SlaTable, load_sla_table

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
M = timedelta(minutes=1)
HOTLINE = "CUSTOMER_SERVICE"
NETWORK = "NETWORK_OPS"


def sh(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def sla() -> SlaTable:
    return load_sla_table()


@pytest.fixture(scope="module")
def calendars() -> Calendars:
    return load_calendars()


def facts(created: datetime, tier: str = "CONTRACT", department: str = NETWORK, **more: object) -> TimingFacts:
    return TimingFacts(created, tier, department, **more)  # type: ignore[arg-type]


def variant(tmp_path: Path, name: str, section: str, old: str, new: str) -> Path:
    """A copy of a packaged data file with one value of one section changed."""
    text = packaged(name).read_text(encoding="utf-8")
    head, sep, tail = text.partition(section)
    assert sep
    assert old in tail
    path = tmp_path / name
    path.write_text(head + sep + tail.replace(old, new, 1), encoding="utf-8")
    return path


class TestWithoutPauses:
    def test_a_vip_on_the_hotline_counts_elapsed_time(self, sla: SlaTable, calendars: Calendars) -> None:
        deadlines = compute_deadlines(facts(sh(3, 2, 22), "VIP_DIAMOND", HOTLINE), sla, calendars)
        assert deadlines.priority == 1
        assert deadlines.first_response.due == Due(sh(3, 2, 22, 15))
        assert deadlines.first_response.warning == Due(sh(3, 2, 22, 11, 15))  # 75% of 15 min
        assert deadlines.reply.due == Due(sh(3, 3, 2))  # four hours through the night
        assert deadlines.reply.warning == Due(sh(3, 3, 1))
        assert deadlines.return_visit is None
        assert deadlines.sla_version == sla.version

    def test_a_contract_customer_on_the_network_desk_counts_its_hours(self, sla: SlaTable,
                                                                      calendars: Calendars) -> None:
        # Friday 16:00: 1.5 h left that day; 24 h = Fri 1.5 + Mon 7.5 + Tue 7.5 + Wed 7.5 → Wed 17:30.
        deadlines = compute_deadlines(facts(sh(3, 6, 16)), sla, calendars)
        assert deadlines.priority == 3
        assert deadlines.first_response.due.at == sh(3, 6, 17)
        assert deadlines.reply.due.at == sh(3, 11, 17, 30)
        assert deadlines.reply.warning.at == sh(3, 11, 11, 12)  # 19.2 h: Wed 08:30 + 2 h 42 min
        assert deadlines.first_response.warning.at == sh(3, 6, 16, 48)

    def test_a_vip_reply_is_sooner_than_an_ordinary_one(self, sla: SlaTable, calendars: Calendars) -> None:
        created = sh(3, 2, 9)
        due = {tier: compute_deadlines(facts(created, tier), sla, calendars).reply.due.at
               for tier in ("VIP_DIAMOND", "GROUP_KEY_PERSON", "CONTRACT", "PREPAID", "SOMETHING_ELSE")}
        assert due["VIP_DIAMOND"] < due["GROUP_KEY_PERSON"] < due["CONTRACT"] < due["PREPAID"]
        assert due["SOMETHING_ELSE"] == due["CONTRACT"]  # the unknown-tier row is the ordinary one

    def test_created_before_a_holiday(self, sla: SlaTable, calendars: Calendars) -> None:
        deadlines = compute_deadlines(facts(sh(9, 30, 17), "VIP_SILVER"), sla, calendars)
        # 0.5 h on 30 Sep, National Day closed 1-7 Oct, 7.5 h on Thu 8 Oct: due at its close.
        assert deadlines.reply.due.at == sh(10, 8, 17, 30)
        # 24 h: 0.5 + 7.5 (Thu 8) + 7.5 (Fri 9) + 7.5 on Saturday 10 Oct, a make-up working day, + 1 h Mon 12.
        assert compute_deadlines(facts(sh(9, 30, 17)), sla, calendars).reply.due.at == sh(10, 12, 9, 30)

    def test_alerts_in_time_order(self, sla: SlaTable, calendars: Calendars) -> None:
        deadlines = compute_deadlines(facts(sh(3, 6, 16)), sla, calendars)
        assert deadlines.alerts() == [
            Alert(sh(3, 6, 16, 48), DeadlineKind.FIRST_RESPONSE, AlertLevel.WARNING),
            Alert(sh(3, 6, 17), DeadlineKind.FIRST_RESPONSE, AlertLevel.ALARM),
            Alert(sh(3, 11, 11, 12), DeadlineKind.REPLY, AlertLevel.WARNING),
            Alert(sh(3, 11, 17, 30), DeadlineKind.REPLY, AlertLevel.ALARM),
        ]


class TestPauses:
    """Pending and suspended stop the clock: the deadline moves by the business time they covered."""

    created = sh(3, 2, 9)  # Monday; 24 h of network-desk time → Thursday 10:30
    plain_due = sh(3, 5, 10, 30)

    def test_the_plain_deadline(self, sla: SlaTable, calendars: Calendars) -> None:
        assert compute_deadlines(facts(self.created), sla, calendars).reply.due.at == self.plain_due

    def test_a_pause_over_a_night_moves_by_its_business_time(self, sla: SlaTable, calendars: Calendars) -> None:
        paused = facts(self.created, pauses=((sh(3, 2, 16), sh(3, 3, 10)),))  # 1.5 h Mon + 1.5 h Tue
        assert compute_deadlines(paused, sla, calendars).reply.due.at == sh(3, 5, 15)  # Thu 10:30 + 3 h

    def test_a_pause_over_a_weekend_or_holiday_moves_nothing(self, sla: SlaTable, calendars: Calendars) -> None:
        weekend = facts(sh(3, 6, 16), pauses=((sh(3, 6, 17, 30), sh(3, 9, 8, 30)),))
        assert compute_deadlines(weekend, sla, calendars).reply.due.at == sh(3, 11, 17, 30)
        holiday = facts(sh(9, 29, 9), pauses=((sh(9, 30, 17, 30), sh(10, 8, 8, 30)),))
        assert (compute_deadlines(holiday, sla, calendars).reply.due
                == compute_deadlines(facts(sh(9, 29, 9)), sla, calendars).reply.due)

    def test_a_pause_on_the_hotline_is_credited_in_full(self, sla: SlaTable, calendars: Calendars) -> None:
        paused = facts(sh(3, 2, 22), "VIP_DIAMOND", HOTLINE, pauses=((sh(3, 2, 23), sh(3, 3, 1, 30)),))
        assert compute_deadlines(paused, sla, calendars).reply.due.at == sh(3, 3, 4, 30)

    def test_several_and_overlapping_pauses_count_once(self, sla: SlaTable, calendars: Calendars) -> None:
        pauses = ((sh(3, 2, 9, 30), sh(3, 2, 10, 30)), (sh(3, 2, 10), sh(3, 2, 11)),  # overlap: 1.5 h in all
                  (sh(3, 3, 14), sh(3, 3, 14, 30)), (sh(3, 1, 20), sh(3, 2, 9)))  # before creation: nothing
        deadlines = compute_deadlines(facts(self.created, pauses=pauses), sla, calendars)
        assert deadlines.reply.due.at == sh(3, 5, 14)  # 10:30 + 2 h, over lunch

    def test_paused_now_has_no_instant_but_the_time_left(self, sla: SlaTable, calendars: Calendars) -> None:
        paused = facts(self.created, paused_since=sh(3, 3, 11))  # used: Mon 7 h + Tue 2.5 h
        deadlines = compute_deadlines(paused, sla, calendars)
        assert deadlines.paused
        assert deadlines.reply.due == Due(None, 24 * H - 9.5 * H)
        assert deadlines.reply.warning == Due(None, 19.2 * H - 9.5 * H)
        assert deadlines.reply.due.paused
        assert deadlines.first_response.due.at == sh(3, 2, 10)  # reached before the pause: kept
        assert [alert.kind for alert in deadlines.alerts()] == [DeadlineKind.FIRST_RESPONSE] * 2
        # Resumed on Thursday 16:00 (a long pause): the time left runs from there.
        resumed = dataclasses.replace(paused, paused_since=None, pauses=((sh(3, 3, 11), sh(3, 5, 16)),))
        network = calendars.for_department(NETWORK)
        expected = network.add(sh(3, 5, 16), 14.5 * H)
        assert compute_deadlines(resumed, sla, calendars).reply.due.at == expected == sh(3, 9, 15, 30)

    def test_a_breach_before_the_pause_stays_a_breach(self, sla: SlaTable, calendars: Calendars) -> None:
        paused = facts(self.created, paused_since=sh(3, 6, 9))
        deadlines = compute_deadlines(paused, sla, calendars)
        assert deadlines.reply.due == Due(self.plain_due)
        assert not deadlines.paused

    def test_the_warning_may_pass_while_the_deadline_waits(self, sla: SlaTable, calendars: Calendars) -> None:
        deadlines = compute_deadlines(facts(self.created, paused_since=sh(3, 5, 9)), sla, calendars)
        assert deadlines.reply.warning.at == sh(3, 4, 14, 42)  # 19.2 h: Wed 13:30 + 1 h 12 min
        assert deadlines.reply.due == Due(None, 1.5 * H)  # used: 7 + 7.5 + 7.5 + 0.5


def test_pauses_from_state_changes() -> None:
    changes = [
        (sh(3, 2, 9), "NEW", "ACCEPTED"),
        (sh(3, 2, 10), "ACCEPTED", "DISPATCHED"),
        (sh(3, 2, 11), "DISPATCHED", "IN_PROGRESS"),
        (sh(3, 2, 12), "IN_PROGRESS", "PENDING"),
        (sh(3, 2, 13), "PENDING", "SUSPENDED"),  # still paused
        (sh(3, 2, 15), "SUSPENDED", "IN_PROGRESS"),
        (sh(3, 3, 9), "IN_PROGRESS", "SUSPENDED"),
    ]
    assert pauses_from_states(changes) == (((sh(3, 2, 12), sh(3, 2, 15)),), sh(3, 3, 9))
    assert pauses_from_states(changes[:-1]) == (((sh(3, 2, 12), sh(3, 2, 15)),), None)
    assert pauses_from_states([]) == ((), None)


def test_a_pause_ended_by_a_change_stamped_before_it_began_is_of_no_length(sla: SlaTable,
                                                                          calendars: Calendars) -> None:
    """A Resume stamped a second before its Suspend (a clock stepped back, history written before
    ``history_clock``): the work order is computed, paused for no time, where ``pause ends … before it starts``
    was raised and every later action on it dead-lettered."""
    changes = [(sh(3, 2, 10), "ACCEPTED", "SUSPENDED"), (sh(3, 2, 9, 59, 59), "SUSPENDED", "ACCEPTED")]
    pauses, since = pauses_from_states(changes)
    assert (pauses, since) == (((sh(3, 2, 10), sh(3, 2, 10)),), None)
    assert compute_deadlines(facts(sh(3, 2, 9), pauses=pauses), sla, calendars) == compute_deadlines(
        facts(sh(3, 2, 9)), sla, calendars)


class TestHandoversAndSteps:
    def test_each_owner_counts_in_its_own_calendar(self, sla: SlaTable, calendars: Calendars) -> None:
        # VIP silver, 8 h: 4 h on the 7×24 hotline (10:00-14:00), then the network desk: Mon 3.5 h, Tue 0.5 h.
        handed = facts(sh(3, 2, 10), "VIP_SILVER", HOTLINE, handovers=((sh(3, 2, 14), NETWORK),))
        assert compute_deadlines(handed, sla, calendars).reply.due.at == sh(3, 3, 9)
        at_the_desk_throughout = facts(sh(3, 2, 10), "VIP_SILVER", NETWORK)
        assert compute_deadlines(at_the_desk_throughout, sla, calendars).reply.due.at == sh(3, 3, 10, 30)

    def test_met_deadlines_raise_no_alerts(self, sla: SlaTable, calendars: Calendars) -> None:
        done = facts(sh(3, 6, 16), first_responded_at=sh(3, 6, 17, 5))
        deadlines = compute_deadlines(done, sla, calendars)
        assert not deadlines.first_response.open
        assert deadlines.first_response.breached()
        assert not deadlines.reply.breached()
        assert {alert.kind for alert in deadlines.alerts()} == {DeadlineKind.REPLY}

    def test_a_reply_answers_the_first_response_too(self, sla: SlaTable, calendars: Calendars) -> None:
        deadlines = compute_deadlines(facts(sh(3, 6, 16), replied_at=sh(3, 6, 16, 30)), sla, calendars)
        assert deadlines.first_response.met_at == deadlines.reply.met_at == sh(3, 6, 16, 30)
        assert {alert.kind for alert in deadlines.alerts()} == {DeadlineKind.RETURN_VISIT}

    def test_the_return_visit_is_24_wall_clock_hours_after_the_reply(self, sla: SlaTable,
                                                                     calendars: Calendars) -> None:
        replied = facts(sh(9, 29, 9), first_responded_at=sh(9, 29, 9, 30), replied_at=sh(9, 30, 20))
        deadlines = compute_deadlines(replied, sla, calendars)
        assert deadlines.return_visit is not None
        assert deadlines.return_visit.due.at == sh(10, 1, 20)  # a holiday: wall-clock time still runs
        assert deadlines.return_visit.warning.at == sh(10, 1, 15, 12)
        assert not deadlines.reply.open
        assert [alert.kind for alert in deadlines.alerts()] == [DeadlineKind.RETURN_VISIT] * 2
        visited = dataclasses.replace(replied, return_visited_at=sh(10, 1, 10))
        assert compute_deadlines(visited, sla, calendars).alerts() == []


class TestEscalation:
    def test_levels_follow_the_breach_an_interval_apart(self, sla: SlaTable, calendars: Calendars) -> None:
        order = facts(sh(3, 2, 9))  # contract: reply due Thu 10:30, interval 4 h of network-desk time
        first = next_escalation(order, sla, calendars, DeadlineKind.REPLY, 0)
        assert first is not None
        assert (first.level, first.role, first.due.at) == (1, "SHIFT_LEADER", sh(3, 5, 10, 30))
        second = next_escalation(order, sla, calendars, DeadlineKind.REPLY, 1)
        assert second is not None
        assert (second.level, second.role, second.due.at) == (2, "DEPARTMENT_MANAGER", sh(3, 5, 16))
        third = next_escalation(order, sla, calendars, DeadlineKind.REPLY, 2)
        assert third is not None
        assert third.due.at == sh(3, 6, 11)
        assert next_escalation(order, sla, calendars, DeadlineKind.REPLY, 3) is None

    def test_a_pause_after_the_breach_delays_the_next_level(self, sla: SlaTable, calendars: Calendars) -> None:
        order = facts(sh(3, 2, 9), pauses=((sh(3, 5, 11), sh(3, 5, 12)),))
        second = next_escalation(order, sla, calendars, DeadlineKind.REPLY, 1)
        assert second is not None
        assert second.due.at == sh(3, 5, 17)

    def test_first_response_and_return_visit(self, sla: SlaTable, calendars: Calendars) -> None:
        order = facts(sh(3, 2, 22), "VIP_DIAMOND", HOTLINE)
        step = next_escalation(order, sla, calendars, DeadlineKind.FIRST_RESPONSE, 1)
        assert step is not None
        assert step.due.at == sh(3, 2, 23, 15)  # 15 min + 1 h
        with pytest.raises(ValueError, match="before the reply"):
            next_escalation(order, sla, calendars, DeadlineKind.RETURN_VISIT, 0)
        replied = dataclasses.replace(order, replied_at=sh(3, 3, 1))
        step = next_escalation(replied, sla, calendars, DeadlineKind.RETURN_VISIT, 2)
        assert step is not None
        assert (step.level, step.due.at) == (3, sh(3, 4, 3))


class TestRecalculation:
    order = facts(sh(3, 2, 9))

    def test_same_tables_nothing_to_do(self, sla: SlaTable, calendars: Calendars) -> None:
        deadlines = compute_deadlines(self.order, sla, calendars)
        assert is_current(deadlines, self.order, sla, calendars)
        assert recalculate(deadlines, self.order, sla, calendars) is None
        assert compute_deadlines(self.order, load_sla_table(), load_calendars()) == deadlines

    @pytest.mark.parametrize(("reply", "expected"), [("16h", sh(3, 4, 10)), ("32h", sh(3, 6, 11))])
    def test_a_changed_sla_table_moves_open_deadlines(self, tmp_path: Path, sla: SlaTable, calendars: Calendars,
                                                      reply: str, expected: datetime) -> None:
        before = compute_deadlines(self.order, sla, calendars)
        changed = load_sla_table(variant(tmp_path, "sla.toml", "[tiers.CONTRACT]", '"24h"', f'"{reply}"'))
        assert not is_current(before, self.order, changed, calendars)
        after = recalculate(before, self.order, changed, calendars)
        assert after is not None
        assert after.reply.due.at == expected
        assert after.sla_version == changed.version != before.sla_version
        assert after.first_response == before.first_response

    def test_a_changed_calendar_moves_open_deadlines(self, tmp_path: Path, sla: SlaTable,
                                                     calendars: Calendars) -> None:
        before = compute_deadlines(self.order, sla, calendars)
        # A new holiday on Wednesday 4 March: the reply moves one working day.
        path = variant(tmp_path, "calendars.toml", "holidays = [", "2026-01-01,", "2026-03-04, 2026-01-01,")
        changed = load_calendars(path)
        assert not is_current(before, self.order, sla, changed)
        after = recalculate(before, self.order, sla, changed)
        assert after is not None
        assert after.reply.due.at == sh(3, 6, 10, 30)
        # A change to a calendar this order does not use leaves it current.
        other = load_calendars(variant(tmp_path, "calendars.toml", "[calendars.business_hall.hours]",
                                       '"09:00-21:00"', '"10:00-21:00"'))
        assert is_current(before, self.order, sla, other)

    def test_a_department_moved_to_another_calendar(self, tmp_path: Path, sla: SlaTable,
                                                    calendars: Calendars) -> None:
        before = compute_deadlines(self.order, sla, calendars)
        moved = load_calendars(variant(tmp_path, "calendars.toml", "[departments]", 'NETWORK_OPS = "network_ops"',
                                       'NETWORK_OPS = "hotline"'))
        after = recalculate(before, self.order, sla, moved)
        assert after is not None
        assert after.reply.due.at == sh(3, 3, 9)


class TestFactsAreChecked:
    def test_refusals(self, sla: SlaTable, calendars: Calendars) -> None:
        with pytest.raises(ValueError, match="before it starts"):
            compute_deadlines(facts(sh(3, 2, 9), pauses=((sh(3, 2, 11), sh(3, 2, 10)),)), sla, calendars)
        with pytest.raises(ValueError, match="naive"):
            compute_deadlines(facts(datetime(2026, 3, 2, 9)), sla, calendars)

    def test_a_handover_stamped_before_the_previous_owners_start_takes_over_at_it(
            self, sla: SlaTable, calendars: Calendars) -> None:
        """A clock stepped back (history written before ``history_clock``): the previous owner held it no time,
        where the deadlines were refused before (``handover … precedes the previous owner's start``)."""
        stepped_back = facts(sh(3, 2, 9), handovers=((sh(3, 2, 11), HOTLINE), (sh(3, 2, 10, 59, 59), NETWORK)))
        at_once = facts(sh(3, 2, 9), handovers=((sh(3, 2, 11), HOTLINE), (sh(3, 2, 11), NETWORK)))
        assert compute_deadlines(stepped_back, sla, calendars) == compute_deadlines(at_once, sla, calendars)
        before_creation = facts(sh(3, 2, 9), department=HOTLINE, handovers=((sh(3, 2, 8), NETWORK),))
        assert compute_deadlines(before_creation, sla, calendars) == compute_deadlines(
            facts(sh(3, 2, 9), department=HOTLINE, handovers=((sh(3, 2, 9), NETWORK),)), sla, calendars)


class TestClocks:
    def test_manual_clock(self) -> None:
        clock = ManualClock(sh(3, 2, 9))
        assert isinstance(clock, Clock)
        assert clock.now() == sh(3, 2, 9)
        assert clock.now().tzinfo is UTC
        assert clock.advance(90 * M) == sh(3, 2, 10, 30)
        with pytest.raises(ValueError, match="backwards"):
            clock.advance(-M)
        assert clock.set(sh(3, 1)) == sh(3, 1)

    def test_system_clock(self) -> None:
        now = SystemClock().now()
        assert now.tzinfo is UTC
        assert isinstance(SystemClock(), Clock)


def reference_due(created: datetime, limit: timedelta, owners: list[tuple[datetime, str]],
                  pauses: list[tuple[datetime, datetime]], calendars: Calendars) -> datetime:
    """Reference: walk minute by minute, counting the minutes its owner works and no pause covers."""
    counted = timedelta(0)
    moment = created
    while True:
        owner = [department for since, department in owners if since <= moment][-1]
        paused = any(start <= moment < end for start, end in pauses)
        if not paused and calendars.for_department(owner).is_open(moment):
            counted += M
            if counted == limit:
                return moment + M
        moment += M


def test_pause_credit_agrees_with_a_minute_by_minute_walk(sla: SlaTable, calendars: Calendars) -> None:
    rng = random.Random(2026)
    for _ in range(40):
        created = sh(9, 14) + rng.randrange(0, 10 * 24 * 60) * M  # around Mid-Autumn and National Day
        owners = [(created, rng.choice([HOTLINE, NETWORK]))]
        if rng.random() < 0.5:
            owners.append((created + rng.randrange(0, 3 * 24 * 60) * M, rng.choice([HOTLINE, NETWORK, "BILLING"])))
        pauses = []
        for _ in range(rng.randrange(0, 4)):
            start = created + rng.randrange(-60, 6 * 24 * 60) * M
            pauses.append((start, start + rng.randrange(0, 2 * 24 * 60) * M))
        order = TimingFacts(created, "VIP_GOLD", owners[0][1], handovers=tuple(owners[1:]), pauses=tuple(pauses))
        deadlines = compute_deadlines(order, sla, calendars)
        assert deadlines.reply.due.at == reference_due(created, 6 * H, owners, pauses, calendars), order
        assert deadlines.reply.warning.at == reference_due(created, 4.5 * H, owners, pauses, calendars), order
