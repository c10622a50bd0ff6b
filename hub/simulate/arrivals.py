"""The day's complaints, in time order, as the front ends would send them: ``arrivals(scenario)`` yields each
``Arrival`` (when, who, what, through which channel, the template fields the agent took at intake) and its
``document()`` is the CreateWorkOrder to send. This is the load source of the simulator, the benchmarks and the
demo: ``create_work_orders(seed)`` gives the timed documents alone.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from emulators.population import Subscriber
from hub.simulate.documents import create_work_order
from hub.simulate.scenario import CHANNEL_MIX, CHINA, HOURLY_CURVE, Scenario, build_scenario
from hub.workflow.taxonomy import DispatchTemplate, FieldSpec, Target

__all__ = ["Arrival", "arrivals", "create_work_orders", "template_fields"]

VAGUE = "not known"  # what a hurried agent writes where the template asks for a place or a terminal
_TERMINALS = ("Huawei Mate 60", "iPhone 15", "Xiaomi 14", "OPPO Reno 11", "vivo X100", "Honor 90", "Nokia N95")
_TEXT = {
    "announcement_heard": "The number you dialled cannot be connected",
    "calling_functions_affected": "local and long-distance calls",
    "roaming_place": "Beijing", "web_address": "wap.monternet.com", "hotspot_name": "CMCC at the station",
    "message_content": "the message as received", "business_name": "Data package 10 GB",
    "charge_item": "monthly data fee", "hall_name": "Futian business hall", "previous_order": "WO20261120AAAA0001",
    "complaint_details": "The customer explained the problem at length.", "customer_demand": "Refund the charge",
}


@dataclass(frozen=True, slots=True)
class Arrival:
    """One complaint of the day. ``kind``: day | outage | mass; ``quality``: complete | incomplete | vague (what the
    dispatch will carry); ``fields``: taken at intake; ``full_fields``: what the agent has after asking again;
    ``lead``: how long before its intake the fault occurred (``occurred``: CreateWorkOrder's OccurredAt and the
    template's fault time); ``target``: where its dispatch goes (its template's, for a network complaint)."""

    at: datetime
    number: int
    kind: str
    customer: Subscriber
    channel: str
    category: str
    phenomenon: str
    area_code: str
    district: str
    location: str
    intake_point: str | None
    network: bool  # dispatched to the network centre (NSP); else answered by customer service
    quality: str = "complete"
    fields: dict[str, str] = field(default_factory=dict)
    full_fields: dict[str, str] = field(default_factory=dict)
    lead: timedelta = timedelta(0)
    target: Target | None = None

    @property
    def msisdn(self) -> str:
        return self.customer.msisdn

    @property
    def occurred(self) -> datetime:
        """When the customer's fault occurred (re-timing ``at`` moves it alike)."""
        return self.at - self.lead

    def message_id(self, run: str) -> str:
        return f"sim-{run}-{self.number:06d}"

    def document(self, message_id: str, *, taken_by: str = "cs-agent-0001") -> bytes:
        return create_work_order(self, message_id, taken_by=taken_by)


def _value(spec: FieldSpec, customer: Subscriber, occurred: datetime, place: str, rng: random.Random) -> str:
    if spec.choices:
        return rng.choice(spec.choices)
    by_type = {"msisdn": customer.msisdn, "phone": customer.msisdn, "datetime": f"{occurred:%Y-%m-%d %H:%M}",
               "month": f"{occurred:%Y%m}", "amount": "25.00"}
    if spec.type in by_type:
        return by_type[spec.type]
    if spec.name == "fault_place":
        return place
    if spec.name == "terminal_type":
        return rng.choice(_TERMINALS)
    return _TEXT.get(spec.name, f"{spec.label} as the customer told it")


def template_fields(template: DispatchTemplate, customer: Subscriber, occurred: datetime, place: str,
                    rng: random.Random) -> dict[str, str]:
    """Every field of ``template`` filled as a careful agent would (msisdn and contact number come with the order)."""
    return {spec.name: _value(spec, customer, occurred, place, rng) for spec in template.fields
            if spec.name not in ("msisdn", "contact_number")}


def _quality(scenario: Scenario, rng: random.Random) -> str:
    draw = rng.random()
    if draw < scenario.incomplete_share:
        return "incomplete"
    return "vague" if draw < scenario.incomplete_share + scenario.vague_share else "complete"


def _damage(quality: str, fields: dict[str, str], rng: random.Random) -> dict[str, str]:
    """What a hurried intake leaves: one field missing, or a place/terminal given as 'not known'."""
    if quality == "incomplete" and fields:
        dropped = rng.choice(sorted(fields))
        return {k: v for k, v in fields.items() if k != dropped}
    if quality == "vague":
        blurred = next((k for k in ("fault_place", "terminal_type") if k in fields), None)
        if blurred is not None:
            return {**fields, blurred: VAGUE}
    return dict(fields)


class _Maker:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.count = 0

    def make(self, at: datetime, kind: str, customer: Subscriber, category: str, rng: random.Random, *,
             channel: str | None = None, area: tuple[str, str] | None = None, intake_point: str | None = None,
             network: bool = True) -> Arrival:
        scenario = self.scenario
        if channel is None:
            channel = rng.choices(list(CHANNEL_MIX), weights=list(CHANNEL_MIX.values()))[0]
            if channel == "ACCOUNT_MANAGER" and not customer.account_manager_id:
                channel = "HOTLINE"
        area_code, district = area or (customer.area_code, customer.district)
        place = f"{district}, {rng.choice(('near home', 'at work', 'in the metro', 'on the main street'))}"
        occurred = at - timedelta(minutes=rng.randrange(5, 90))
        if kind == "outage":  # the outage's customers met the fault once it had begun
            occurred = max(occurred, scenario.outage.starts)
        quality, fields, full, target = "complete", {}, {}, None
        if network:
            template = scenario.taxonomy.phenomenon(category)
            target = template.target
            full = template_fields(template, customer, occurred.astimezone(CHINA), place, rng)
            quality = _quality(scenario, rng) if kind == "day" else "complete"
            fields = _damage(quality, full, rng)
        self.count += 1
        return Arrival(at=at, number=self.count, kind=kind, customer=customer, channel=channel, category=category,
                       phenomenon=scenario.taxonomy.category(category).name, area_code=area_code,
                       district=district, location=place, intake_point=intake_point, network=network,
                       quality=quality, fields=fields, full_fields=full, lead=at - occurred, target=target)


def _day(scenario: Scenario, maker: _Maker) -> Iterator[Arrival]:
    rng = random.Random(f"{scenario.seed}:day")  # noqa: S311 - simulated traffic
    total = sum(HOURLY_CURVE)
    times: list[datetime] = []
    for hour, weight in enumerate(HOURLY_CURVE):
        expected = scenario.daily_complaints * weight / total
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        times += [scenario.day_start + timedelta(hours=hour, seconds=rng.randrange(3600)) for _ in range(count)]
    network = list(scenario.network_mix)
    weights = list(scenario.network_mix.values())
    for at in sorted(times):
        customer = scenario.subscriber(rng)
        if rng.random() < 0.6 or not scenario.first_contact:
            category = rng.choices(network, weights=weights)[0]
            yield maker.make(at, "day", customer, category, rng)
        else:
            yield maker.make(at, "day", customer, rng.choice(scenario.first_contact), rng, network=False)


def _outage(scenario: Scenario, maker: _Maker) -> Iterator[Arrival]:
    rng = random.Random(f"{scenario.seed}:outage")  # noqa: S311 - simulated traffic
    outage = scenario.outage
    before = outage.notice_after * 0.9 / max(outage.before_notice, 1)
    after = timedelta(minutes=50) / max(outage.complaints - outage.before_notice, 1)
    customers = scenario.subscribers_of(rng, outage.complaints, area=outage.area_code, district=outage.district)
    for number, customer in enumerate(customers):
        if number < outage.before_notice:
            at = outage.starts + timedelta(minutes=3) + before * number
        else:
            at = outage.notice_at + timedelta(minutes=2) + after * (number - outage.before_notice)
        yield maker.make(at, "outage", customer, rng.choice(outage.categories), rng,
                         channel=rng.choice(("HOTLINE", "HOTLINE", "WEB", "SMS")),
                         area=(outage.area_code, outage.district))


def _mass(scenario: Scenario, maker: _Maker) -> Iterator[Arrival]:
    rng = random.Random(f"{scenario.seed}:mass")  # noqa: S311 - simulated traffic
    mass = scenario.mass
    step = mass.spread / max(mass.complaints, 1)
    for number, customer in enumerate(scenario.subscribers_of(rng, mass.complaints, area=mass.area_code)):
        yield maker.make(mass.starts + step * number, "mass", customer, mass.category, rng, channel="BUSINESS_HALL",
                         area=(mass.area_code, mass.district), intake_point=mass.intake_point)


def arrivals(scenario: Scenario) -> Iterator[Arrival]:
    """Every complaint of the day in time order (the background, the outage's burst, the mass complaint)."""
    maker = _Maker(scenario)
    streams = [list(_outage(scenario, maker)), list(_mass(scenario, maker)), _day(scenario, maker)]
    yield from heapq.merge(*streams, key=lambda a: a.at)


def create_work_orders(seed: int, scale: float = 1.0, *, run: str = "load") -> Iterator[tuple[float, bytes]]:
    """The day of ``seed`` as timed CreateWorkOrder documents: (seconds after the day's start, document)."""
    scenario = build_scenario(seed, scale)
    for arrival in arrivals(scenario):
        yield (arrival.at - scenario.day_start).total_seconds(), arrival.document(arrival.message_id(run))
