"""The bench's CreateWorkOrder documents, from the province-day simulator (``hub.simulate``, issue 13's load source).

One seeded day (``build_scenario(seed, scale)``), its background traffic scaled until it holds enough complaints:
the arrivals of kind ``day`` that are network complaints (``arrival.network``) taken completely (quality
``complete``: every field of the phenomenon's dispatch template filled at intake). The outage's burst and the mass
complaint are left out (they exist for the intake rules, which answer or link them instead of dispatching), and so
are the intakes missing a field (the hub does not dispatch them at intake) and the vague ones (the hub would
dispatch them, "not known" being a value, but they stand for the poor intakes the network centre rejects, not for
the traffic the rate is about). Each chosen document is then read the way the workflow's handler reads it
(``commands.complaint``) and kept only if the hub would dispatch it at intake: fields given, the template complete
(``WorkOrderEngine.dispatchable``, the SLA table, calendars and taxonomy of the default settings) and the template's
target system NSP. The callers are the day's customers: the BOSS emulator's seeded population
(``emulators.population``, the same seed), each complaint under a number of its own (``own_number``) with its
customer's tier and account manager: the day's few hundred customers call about the same phenomena again and again,
and the hub does not dispatch at intake a repeat of an open complaint a department holds (it reminds the open one:
``hub.workflow.intake_dispatch``), while the measure is CreateWorkOrder to DISPATCHED (every document's work order
dispatched, on both sides).

The chosen documents are spread evenly over the day (every k-th of the qualifying ones, in time order) and dealt
round-robin to the bench's series (rounds × sides), so every series sees the same mix of hours, phenomena, channels
and tiers. Message ids are the simulator's (``Arrival.message_id``), unique within the load.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from lxml import etree

from bench.workflowkit.callers import Caller, boss_caller
from hub.config.workflow import WorkflowSettings
from hub.simulate import Arrival, Scenario, arrivals, build_scenario
from hub.simulate.scenario import DAILY_COMPLAINTS, NETWORK_SHARE
from hub.workflow import commands
from hub.workflow.calendars import load_calendars
from hub.workflow.engine import WorkOrderEngine
from hub.workflow.sla import load_sla_table
from hub.workflow.taxonomy import load_taxonomy

__all__ = ["BenchDocument", "Load", "simulated_load"]

_T = TypeVar("_T")
MARGIN = 1.05  # the day drawn this much larger than needed (the shares are drawn, not exact)


@dataclass(frozen=True, slots=True)
class BenchDocument:
    message_id: str
    body: bytes
    msisdn: str
    notifies_crm: bool  # the caller has an account manager: the hub also sends CRM a NotifyAccountManager


@dataclass(frozen=True)
class Load:
    seed: int
    scale: float
    arrivals: int  # the day's complaints (every kind)
    complete: int  # of them of kind day, network, taken completely
    dispatched: int  # of those, the ones the hub dispatches at intake to NSP
    documents: tuple[BenchDocument, ...]
    callers: dict[str, Caller]
    seconds: float  # generation time (scenario, arrivals, documents, the hub's check)

    def series(self, parts: int) -> list[list[BenchDocument]]:
        """The documents dealt round-robin into ``parts`` series."""
        return [list(self.documents[part::parts]) for part in range(parts)]

    def summary(self) -> str:
        tiers = Counter(self.callers[d.msisdn].tier for d in self.documents)
        crm = sum(d.notifies_crm for d in self.documents)
        mix = ", ".join(f"{tier} {count / len(self.documents):.0%}" for tier, count in tiers.most_common())
        return (f"  CreateWorkOrder from the simulator: seed {self.seed}, scale {self.scale:g} "
                f"({self.arrivals:,} complaints in the day; {self.complete:,} network complaints of the day taken"
                f" completely, {self.dispatched:,} of them dispatched at intake by the hub),"
                f" {len(self.documents):,} used (spread over the day); generated in {self.seconds:.1f} s\n"
                f"  callers: the seeded population's tiers as BOSS answers them, each complaint under a number of its"
                f" own (no repeat of an open complaint): {mix}\n"
                f"  with an account manager (the hub also notifies CRM): {crm:,} = {crm / len(self.documents):.0%}")


class _DispatchCheck:
    """Whether the hub dispatches a CreateWorkOrder at intake to NSP: the handler's own reading and test."""

    def __init__(self) -> None:
        settings = WorkflowSettings()
        self.engine = WorkOrderEngine(load_sla_table(settings.sla), load_calendars(settings.calendars),
                                      load_taxonomy(settings.taxonomy))

    def __call__(self, body: bytes) -> bool:
        complaint = commands.complaint(etree.fromstring(body))
        template = self.engine.taxonomy.phenomenon(complaint.category_code)
        return (bool(complaint.dispatch_fields) and not self.engine.missing_at_intake(complaint)[1]
                and template.target.system == "NSP")


def _candidates(scenario: Scenario) -> tuple[int, list[Arrival]]:
    """The day's complaints counted, and those of kind ``day``, network and taken completely."""
    chosen, total = [], 0
    for arrival in arrivals(scenario):
        total += 1
        if arrival.kind == "day" and arrival.network and arrival.quality == "complete":
            chosen.append(arrival)
    return total, chosen


def _first_scale(seed: int, count: int) -> float:
    """The scale whose day should hold ``count`` complete network complaints (its shares read from the scenario)."""
    shares = build_scenario(seed)
    complete = 1 - shares.incomplete_share - shares.vague_share
    return max(0.1, round(count * MARGIN / (DAILY_COMPLAINTS * NETWORK_SHARE * complete), 2))


def simulated_load(seed: int, count: int, *, run: str = "bench") -> Load:
    """``count`` CreateWorkOrder documents from the day of ``seed``, each dispatched at intake by the hub."""
    started = time.perf_counter()
    check = _DispatchCheck()
    scale = _first_scale(seed, count)
    while True:
        scenario = build_scenario(seed, scale)
        total, candidates = _candidates(scenario)
        built = [(arrival, arrival.document(arrival.message_id(f"{run}{seed}"))) for arrival in candidates]
        dispatched = [(arrival, body) for arrival, body in built if check(body)]
        if len(dispatched) >= count:
            break
        scale = round(scale * count / max(len(dispatched), 1) * MARGIN, 2)
    callers: dict[str, Caller] = {}
    documents: list[BenchDocument] = []
    for index, (arrival, body) in enumerate(_spread(dispatched, count)):
        caller = replace(boss_caller(arrival.customer, scenario.population), msisdn=own_number(index))
        callers[caller.msisdn] = caller
        body = body.replace(arrival.msisdn.encode("ascii"), caller.msisdn.encode("ascii"))
        documents.append(BenchDocument(arrival.message_id(f"{run}{seed}"), body, caller.msisdn,
                                       caller.has_account_manager))
    return Load(seed, scale, total, len(candidates), len(dispatched), tuple(documents), callers,
                time.perf_counter() - started)


def own_number(index: int) -> str:
    """The ``index``-th complaint's own subscriber number (``19`` and nine digits: none of the pre-filled store's
    ``13…`` numbers)."""
    return f"19{index:09d}"


def _spread(items: Sequence[_T], count: int) -> list[_T]:
    """Every k-th of ``items`` (time order), so that ``count`` of them cover the whole day."""
    return [items[index * len(items) // count] for index in range(count)]
