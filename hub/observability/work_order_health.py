"""The work-order engine's health gauges, read from its database at scrape time (``ScrapeCache``: at most once every
``max_age`` seconds, no sample while the read fails).

What they show lives in the work-order database, so every process running the workflow exposes the same values,
whichever of them Prometheus scrapes:

* ``<prefix>_deadline_scheduler_lag_seconds``: how long the oldest deadline due and not fired has waited (0 when
  none is due). The scheduler fires due deadlines every ``scheduler_interval_seconds``: a lag growing beyond a few
  intervals means no scheduler runs, or it is stuck or behind.
* ``<prefix>_deadlines_due``: the deadlines due and not fired.
* ``<prefix>_event_outbox_unpublished``: the events some served listener has not passed yet;
  ``<prefix>_event_outbox_oldest_unpublished_seconds``: the age of the oldest of them (0 when none).
* ``<prefix>_event_listeners{state}``: the registered listeners, ``active``, ``retrying`` (failed at their next event,
  tried again later) or ``parked`` (given up on until registered again).
* ``<prefix>_rule_file_processes{sla_version, calendars_version, taxonomy_version}``: the processes running the
  workflow on the database (seen within the last minute) per versions of the SLA table and calendars they compute
  deadlines with and of the taxonomy they check complaints by: more than one series means they disagree
  (``hub.workflow.rule_agreement`` names them in a WARNING).

The figures come from ``read()`` (the workflow's: ``hub.workflow.health_gauges``); this layer knows no database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.observability.scrape_cache import ScrapeCache

__all__ = ["LISTENER_STATES", "WORK_ORDER_HEALTH_MAX_AGE", "WorkOrderHealth", "WorkOrderHealthGauges"]

WORK_ORDER_HEALTH_MAX_AGE = 5.0  # seconds a read of the work-order database's figures is served to scrapes
LISTENER_STATES = ("active", "retrying", "parked")  # every one exposed, 0 when no listener is in it


@dataclass(frozen=True, slots=True)
class WorkOrderHealth:
    """One read of the figures (seconds and counts, as the gauges expose them)."""

    deadline_lag_seconds: float = 0.0
    deadlines_due: int = 0
    outbox_unpublished: int = 0
    outbox_oldest_unpublished_seconds: float = 0.0
    listeners: Mapping[str, int] = field(default_factory=dict)  # state → listeners (LISTENER_STATES)
    # (SLA table, calendars, taxonomy) versions → processes
    rule_files: Mapping[tuple[str, str, str], int] = field(default_factory=dict)


class WorkOrderHealthGauges(Collector):
    """A collector of the gauges above from ``cache.read()`` (replaceable: ``cache.read = ...``)."""

    def __init__(self, read: Callable[[], WorkOrderHealth], *, prefix: str = "onepoint",
                 max_age: float = WORK_ORDER_HEALTH_MAX_AGE, clock: Callable[[], float] = time.monotonic) -> None:
        self.prefix = prefix
        self.cache: ScrapeCache[WorkOrderHealth] = ScrapeCache(read, max_age=max_age, clock=clock,
                                                               what="the work-order database's figures")

    def _families(self) -> list[GaugeMetricFamily]:
        p = self.prefix
        return [
            GaugeMetricFamily(f"{p}_deadline_scheduler_lag_seconds", "How long the oldest deadline due and not "
                              "fired has waited (0: none due); growing: the deadline scheduler is stuck or behind."),
            GaugeMetricFamily(f"{p}_deadlines_due", "Deadlines due and not fired yet."),
            GaugeMetricFamily(f"{p}_event_outbox_unpublished", "Events not yet passed by every served event "
                              "listener."),
            GaugeMetricFamily(f"{p}_event_outbox_oldest_unpublished_seconds", "Age of the oldest event not yet "
                              "passed by every served listener (0: none)."),
            GaugeMetricFamily(f"{p}_event_listeners", "Registered event listeners: active, retrying (failing at "
                              "their next event), parked (not served until registered again).", labels=["state"]),
            GaugeMetricFamily(f"{p}_rule_file_processes", "Processes running the workflow on this work-order "
                              "database per versions of the SLA table and calendars they compute deadlines with "
                              "and of the taxonomy they check complaints by (more than one series: they "
                              "disagree).", labels=["sla_version", "calendars_version", "taxonomy_version"]),
        ]

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lag, due, unpublished, oldest, listeners, rule_files = families = self._families()
        health = self.cache.get()
        if health is not None:  # a failed read: the families without samples, the scrape goes on
            lag.add_metric([], health.deadline_lag_seconds)
            due.add_metric([], float(health.deadlines_due))
            unpublished.add_metric([], float(health.outbox_unpublished))
            oldest.add_metric([], health.outbox_oldest_unpublished_seconds)
            for state in LISTENER_STATES:
                listeners.add_metric([state], float(health.listeners.get(state, 0)))
            for versions, processes in sorted(health.rule_files.items()):
                rule_files.add_metric(list(versions), float(processes))
        yield from families
