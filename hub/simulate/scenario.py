"""A province day as data, all drawn from one seed: when complaints arrive, who complains (the BOSS emulator's
seeded population, so the hub finds each caller's real tier), about what (a category mix over the taxonomy),
through which channel, one network outage with its burst of complaints, one mass complaint at a business hall,
and how often an agent's intake misses or blurs the dispatch template's fields.

The shares are the operator's published situation, written down here so that the figures they lead to can be
traced (docs/simulate.md): 7 % of network complaints reach dispatch with a template field missing and 3 % with
the fields given but too vague to act on, so about 10 % of dispatches are too poor without templates; templates
catch the missing fields only, the vague 3 % remain.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from emulators.population import Population, Subscriber, generate_population
from hub.workflow.taxonomy import Taxonomy, load_taxonomy

__all__ = ["CHANNEL_MIX", "CHINA", "HOURLY_CURVE", "MassComplaint", "Outage", "Scenario", "build_scenario"]

CHINA = timezone(timedelta(hours=8))
FIRST_MONDAY = date(2026, 11, 23)  # the seed picks one working day of that week
DAILY_COMPLAINTS = 400  # at scale 1: the background traffic of one province day (the bursts come on top)

#: share of the day's complaints arriving in each hour (China time): quiet at night, peaks late morning and evening
HOURLY_CURVE: tuple[float, ...] = (
    0.6, 0.4, 0.3, 0.2, 0.2, 0.4, 1.0, 2.5, 4.5, 6.5, 7.5, 7.8,
    6.0, 5.2, 5.8, 6.2, 6.0, 5.6, 5.8, 6.8, 7.2, 6.0, 3.5, 1.6,
)
#: channel → share (ACCOUNT_MANAGER only for the customers an account manager looks after; others ring the hotline)
CHANNEL_MIX: dict[str, float] = {"HOTLINE": 0.55, "BUSINESS_HALL": 0.15, "WEB": 0.12, "SMS": 0.08, "EMAIL": 0.03,
                                 "ACCOUNT_MANAGER": 0.07}
#: the network phenomena complained of (dispatched to the network centre through NSP), with their weights
NETWORK_MIX: dict[str, float] = {"01.01.01": 6, "01.01.02": 8, "01.01.03": 6, "01.02.01": 4, "01.02.03": 5,
                                 "01.03.01": 6, "01.03.02": 3, "02.01.01": 6, "02.01.02": 7, "02.01.03": 3}
NETWORK_SHARE = 0.6  # of the day's complaints; the rest is answered by customer service at first contact
#: categories answered by customer service itself (billing, business rules): level-3 codes of the taxonomy
FIRST_CONTACT_PREFIXES = ("03", "04", "05", "06")
#: the numbers a dispatch template accepts (the taxonomy's msisdn type: 13x-18x); the seeded population also holds
#: 19x numbers, which no template would accept, so the simulated complaints come from the others
_DISPATCHABLE = re.compile(r"1[3-8][0-9]{9}")


@dataclass(frozen=True, slots=True)
class Outage:
    """A network fault: it starts, complaints come, NSP's notice arrives ``notice_after`` later, then it clears."""

    notice_id: str
    area_code: str
    district: str
    services: tuple[str, ...]
    categories: tuple[str, ...]  # what the affected customers complain of
    starts: datetime
    notice_after: timedelta
    clears_after: timedelta
    complaints: int  # the burst
    before_notice: int  # of them, taken before the notice arrived

    @property
    def notice_at(self) -> datetime:
        return self.starts + self.notice_after

    @property
    def cleared_at(self) -> datetime:
        return self.starts + self.clears_after


@dataclass(frozen=True, slots=True)
class MassComplaint:
    """Many customers at one business hall complaining of one phenomenon within minutes."""

    intake_point: str
    area_code: str
    district: str
    category: str
    starts: datetime
    spread: timedelta
    complaints: int


@dataclass(frozen=True, slots=True)
class Scenario:
    seed: int
    scale: float
    day: date
    subscribers: int
    population: Population
    taxonomy: Taxonomy
    daily_complaints: int
    outage: Outage
    mass: MassComplaint
    incomplete_share: float = 0.07  # network complaints whose dispatch lacks a template field
    vague_share: float = 0.03  # network complaints whose fields are given but too vague to act on
    network_mix: dict[str, float] = field(default_factory=lambda: dict(NETWORK_MIX))
    first_contact: tuple[str, ...] = ()
    _pools: dict[tuple[str | None, str | None], list[Subscriber]] = field(
        default_factory=dict, init=False, repr=False, compare=False)  # the customers per area and district

    @property
    def day_start(self) -> datetime:
        return datetime.combine(self.day, time(0, 0), CHINA)

    @property
    def day_end(self) -> datetime:
        return self.day_start + timedelta(days=1)

    def subscriber(self, rng: random.Random, *, area: str | None = None, district: str | None = None
                   ) -> Subscriber:
        """A seeded customer (active; of ``area``/``district`` when given)."""
        return rng.choice(self._pool(area, district))

    def subscribers_of(self, rng: random.Random, count: int, *, area: str | None = None,
                       district: str | None = None) -> list[Subscriber]:
        """``count`` different seeded customers (of ``area``/``district`` as ``subscriber``): a burst's complaints
        are so many people, so a rule counting distinct customers (the mass-complaint incident) always has its
        work. When the district has too few, the rest are other customers of the area (who met the fault there),
        then of the province."""
        chosen: list[Subscriber] = []
        for where in dict.fromkeys([(area, district), (area, None), (None, None)]):
            taken = {s.msisdn for s in chosen}
            others = [s for s in self._pool(*where) if s.msisdn not in taken]
            chosen += rng.sample(others, min(count - len(chosen), len(others)))
            if len(chosen) == count:
                break
        return chosen

    def _pool(self, area: str | None, district: str | None) -> list[Subscriber]:
        pool = self._pools.get((area, district))
        if pool is None:  # filtered once per area and district (a day at scale draws tens of thousands)
            pool = [s for s in self.population.subscribers if s.status == "ACTIVE"
                    and _DISPATCHABLE.fullmatch(s.msisdn) and (area is None or s.area_code == area)
                    and (district is None or s.district == district)] or list(self.population.subscribers)
            self._pools[(area, district)] = pool
        return pool


def build_scenario(seed: int, scale: float = 1.0, *, subscribers: int = 1000, burst: int = 10,
                   mass_complaints: int = 12) -> Scenario:
    """The scenario of ``seed``; ``scale`` multiplies the day's background traffic (the bursts stay whole, so the
    rules have the same work at any scale)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(f"{seed}:scenario")  # noqa: S311 - simulated traffic
    day = FIRST_MONDAY + timedelta(days=seed % 5)
    taxonomy = load_taxonomy()
    first_contact = tuple(c.code for c in taxonomy.phenomena() if c.code[:2] in FIRST_CONTACT_PREFIXES)
    start = datetime.combine(day, time(9, 40), CHINA) + timedelta(minutes=rng.randrange(0, 60))
    outage = Outage(notice_id=f"FLT-{day:%Y%m%d}-{seed % 10**4:04d}", area_code="0755", district="Futian",
                    services=("VOICE", "DATA"), categories=("01.01.01", "01.02.03", "02.01.01"), starts=start,
                    notice_after=timedelta(minutes=35 + rng.randrange(0, 15)),
                    clears_after=timedelta(hours=3, minutes=rng.randrange(0, 60)),
                    complaints=burst, before_notice=max(1, round(burst * 0.3)))
    mass = MassComplaint(intake_point="BH-0757-CHANCHENG-01", area_code="0757", district="Chancheng",
                         category="01.01.02",
                         starts=datetime.combine(day, time(15, 0), CHINA) + timedelta(minutes=rng.randrange(0, 90)),
                         spread=timedelta(minutes=20), complaints=mass_complaints)
    return Scenario(seed=seed, scale=scale, day=day, subscribers=subscribers,
                    population=generate_population(seed, subscribers), taxonomy=taxonomy,
                    daily_complaints=max(1, round(DAILY_COMPLAINTS * scale)), outage=outage, mass=mass,
                    first_contact=first_contact)
