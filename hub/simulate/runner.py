"""One simulated day against a private system (``run_day``), or the same seed twice, every rule on then off
(``run_both``): start the stage on simulated time, play the arrivals and the people, read the figures from the
hub's store and its dead-letter queues, stop the stage. A run whose hub failed underneath it (a refusal the rules
do not give, a step that failed, a dead letter) says so in ``failures``: its figures are not the rules'."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.simulate.arrivals import arrivals
from hub.simulate.cases import PlayLog
from hub.simulate.clock import SimulatedTime
from hub.simulate.desk import NspDesk
from hub.simulate.figures import Figures, read_figures
from hub.simulate.player import Player
from hub.simulate.scenario import Scenario, build_scenario
from hub.simulate.stage import SimulationStage
from hub.simulate.statistics import HubStatistics, query_statistics
from hub.transport.errors import TransportError
from hub.workers.dlq import DeadLetterQueues

__all__ = ["BY_DESIGN", "SimulationRun", "lag_limit", "run_both", "run_day"]

log = logging.getLogger("onepoint.simulate")
Progress = Callable[[PlayLog, datetime, int], None]
#: the refusals the rules give on purpose (a dispatch without its template's fields; a step on a work order its
#: incident or an escalation moved on): any other ("unavailable", a failed step, no NSP ticket) is the hub failing
BY_DESIGN = frozenset({"dispatch-incomplete", "transition-refused"})


@dataclass
class SimulationRun:
    seed: int
    scale: float
    speed: float
    rules: bool
    day: str
    rules_in_force: list[str] = field(default_factory=list)
    arrivals: dict[str, int] = field(default_factory=dict)  # day | outage | mass
    steps: int = 0
    unfinished: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # the hub's refusals the people met, "action: code"
    dead_letters: dict[str, int] = field(default_factory=dict)  # consumer -> messages in its dead-letter queue
    dead_letters_unread: str = ""  # why the dead-letter queues could not be counted (the broker gone)
    max_lag_seconds: float = 0.0
    lag_limit_seconds: float | None = None  # the most lag the scenario's timing takes (``lag_limit``)
    startup_seconds: float = 0.0
    seconds: float = 0.0
    simulated_hours: float = 0.0
    skipped_hours: float = 0.0  # of them, jumped over (nothing happening)
    notice_delivered: bool = False
    figures: Figures = field(default_factory=Figures)
    statistics: HubStatistics = field(default_factory=HubStatistics)  # the hub's QueryStatistics of the day

    @property
    def lagged(self) -> bool:
        """Whether a step ran so late that the scenario's timing broke (its figures are not the rules')."""
        return self.lag_limit_seconds is not None and self.max_lag_seconds > self.lag_limit_seconds

    @property
    def failures(self) -> list[str]:
        """What failed underneath the run (empty: the hub did its part): refusals the rules do not give, failed
        steps, dead letters; each "what: how many"."""
        failed = [f"{what} ×{n}" for what, n in self.refused.items() if what.rpartition(": ")[2] not in BY_DESIGN]
        failed += [f"dead letters of {consumer} ×{n}" for consumer, n in self.dead_letters.items() if n]
        if self.dead_letters_unread:
            failed.append(f"dead letters not counted: {self.dead_letters_unread}")
        return failed

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "scale": self.scale, "speed": self.speed,
                "rules": "on" if self.rules else "off", "day": self.day, "rules_in_force": self.rules_in_force,
                "arrivals": self.arrivals, "steps": self.steps, "unfinished_steps": self.unfinished,
                "refused": self.refused, "dead_letters": self.dead_letters,
                "dead_letters_unread": self.dead_letters_unread, "failures": self.failures,
                "max_lag_seconds": round(self.max_lag_seconds, 1),
                "lag_limit_seconds": self.lag_limit_seconds, "lagged": self.lagged,
                "startup_seconds": round(self.startup_seconds, 2), "seconds": round(self.seconds, 2),
                "simulated_hours": round(self.simulated_hours, 2),
                "skipped_hours": round(self.skipped_hours, 2), "notice_delivered": self.notice_delivered,
                "figures": self.figures.as_dict(), "statistics": self.statistics.as_dict()}


def lag_limit(scenario: Scenario, window_minutes: float) -> float:
    """The most a step may run behind its simulated instant (simulated seconds) before the scenario's timing breaks:
    the mass complaint's intakes, ``scenario.mass.spread`` apart, must stay inside the incident rule's window of
    ``window_minutes`` (each late by up to the lag, they spread up to the spread plus the lag)."""
    return max(window_minutes * 60 - scenario.mass.spread.total_seconds(), 0.0)


def run_day(scenario: Scenario, *, rules: bool, speed: float, broker_url: str = "memory://",
            progress: Progress | None = None, threads: int = 4, skip_idle: bool = True) -> SimulationRun:
    """Play ``scenario`` once with every operator rule on (``rules``) or off; ``skip_idle``: the clock jumps over
    the gaps where nothing happens (else it runs evenly at ``speed``)."""
    run = SimulationRun(scenario.seed, scenario.scale, speed, rules, scenario.day.isoformat())
    day = list(arrivals(scenario))
    run.arrivals = dict(Counter(a.kind for a in day))
    started = time.perf_counter()
    sim = SimulatedTime(scenario.day_start, speed)
    with SimulationStage(sim, rules=rules, seed=scenario.seed, subscribers=scenario.subscribers,
                         broker_url=broker_url) as stage:
        run.rules_in_force = stage.rules_in_force()
        if rules:  # with the rules off no incident window is in force: a lag breaks no rule's timing
            run.lag_limit_seconds = lag_limit(scenario, stage.settings.workflow.mass_complaint_window_minutes)
        run.startup_seconds = time.perf_counter() - started
        sim.restart()
        player = Player(scenario, sim, stage.hub_url, stage.urls["nsp"], threads=threads,
                        skip_idle=skip_idle, progress=progress)
        played = player.play(day)
        now = sim.now()
        run.simulated_hours = (now - scenario.day_start).total_seconds() / 3600
        run.skipped_hours = sim.skipped / 3600
        ids = {kind: [c.work_order_id for c in played.cases if c.arrival.kind == kind] for kind in ("outage", "mass")}
        nsp = NspDesk(stage.urls["nsp"])
        try:
            tickets = [t["work_order_id"] for t in nsp.tickets()]
        finally:
            nsp.close()
        run.figures = read_figures(stage.database, now, outage_ids=ids["outage"], mass_ids=ids["mass"],
                                   nsp_tickets=tickets)
        run.statistics = query_statistics(stage.hub_url, scenario.day, f"sim-{played.run}-statistics")
        _count_dead_letters(run, stage)
    run.steps, run.unfinished, run.refused = played.steps, played.unfinished, dict(played.refused.most_common())
    run.max_lag_seconds, run.notice_delivered = played.max_lag_seconds, played.notice_delivered
    run.seconds = time.perf_counter() - started
    log.info("simulated day played", extra={"seed": scenario.seed, "rules": rules, "seconds": run.seconds})
    return run


def _count_dead_letters(run: SimulationRun, stage: SimulationStage) -> None:
    """The hub's dead letters at the end of the day (the messages its workers gave up on), as the demo counts them."""
    try:
        run.dead_letters = DeadLetterQueues(stage.broker).counts()
    except (TransportError, OSError) as exc:
        run.dead_letters_unread = f"{type(exc).__name__}: {exc}"[:200]


def run_both(seed: int, *, scale: float = 1.0, speed: float, broker_url: str = "memory://",
             progress: Progress | None = None, skip_idle: bool = True) -> list[SimulationRun]:
    """The same seed with every rule on, then every rule off."""
    scenario = build_scenario(seed, scale)
    return [run_day(scenario, rules=rules, speed=speed, broker_url=broker_url, progress=progress,
                    skip_idle=skip_idle) for rules in (True, False)]
