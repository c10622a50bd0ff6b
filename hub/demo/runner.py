"""Play the whole scenario once: start the stage, run every flow in order, collect the timeline and the summary.

The complaints the operator's rules act on come from the simulator's day (``ProvinceDay``, handed in by the CLI).

The timeline merges the callers' notes, the hub's tapped records and the emulators' journals, each event given
to the flow whose play was running when it happened (a play waits for all of its effects). The summary counts
the messages, the dead letters (0 when every flow completed), what is left in the queues, and verifies the
audit chain.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from hub.audit import AuditLog
from hub.demo.day import ProvinceDay
from hub.demo.events import Event, HubTap, system_events
from hub.demo.flows import FLOWS
from hub.demo.scene import FlowFailed, Scene
from hub.demo.stage import DemoStage
from hub.transport.urls import redacted
from hub.workers.dlq import DeadLetterQueues

__all__ = ["DemoRun", "FlowResult", "run_demo"]

log = logging.getLogger("onepoint.demo")
SETTLE = 0.3  # seconds after the last flow for stragglers (a late duplicate) to show before counting


@dataclass
class FlowResult:
    name: str
    title: str
    passed: bool
    detail: str
    started: float
    ended: float
    facts: dict[str, Any] = field(default_factory=dict)  # what the play established (ids, states, counts)
    events: list[Event] = field(default_factory=list)

    def as_dict(self, origin: float) -> dict[str, Any]:
        return {"flow": self.name, "title": self.title, "passed": self.passed, "detail": self.detail,
                "seconds": round(self.ended - self.started, 3), "facts": self.facts,
                "timeline": [{**e.as_dict(), "offset_s": round(e.at - origin, 3)} for e in self.events]}


@dataclass
class DemoRun:
    broker: str
    hub_url: str
    started: float
    prefix: str = ""  # of the demo's queues and exchanges (removed from RabbitMQ afterwards)
    startup_seconds: float = 0.0
    seconds: float = 0.0
    flows: list[FlowResult] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # accepted, handled, sent, system calls
    dead_letters: dict[str, int] = field(default_factory=dict)
    left_in_queues: dict[str, int] = field(default_factory=dict)
    audit: str = ""
    audit_intact: bool = False
    problems: list[str] = field(default_factory=list)  # beyond the flows: dead letters, a broken chain

    @property
    def failed(self) -> list[FlowResult]:
        return [f for f in self.flows if not f.passed]

    @property
    def passed(self) -> bool:
        return bool(self.flows) and not self.failed and not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "broker": self.broker, "prefix": self.prefix, "hub": self.hub_url,
                "startup_seconds": round(self.startup_seconds, 3), "seconds": round(self.seconds, 3),
                "flows": [f.as_dict(self.started) for f in self.flows], "messages": self.counts,
                "dead_letters": self.dead_letters, "left_in_queues": self.left_in_queues,
                "audit": {"intact": self.audit_intact, "report": self.audit}, "problems": self.problems}


def _play(scene: Scene, run: DemoRun) -> None:
    for flow in FLOWS:
        scene.facts = {}
        started = time.time()
        try:
            detail, passed = flow.play(scene), True
        except FlowFailed as exc:
            detail, passed = str(exc), False
        except Exception as exc:  # a defect or a refusal: the flow failed, the others still run
            detail, passed = f"{type(exc).__name__}: {exc}", False
        if not passed:
            log.error("demo flow failed", extra={"flow": flow.name, "reason": detail})
        run.flows.append(FlowResult(flow.name, flow.title, passed, detail, started, time.time(), scene.facts))


def _assign(run: DemoRun, events: list[Event]) -> None:
    for event in sorted(events, key=lambda e: e.at):
        for flow in run.flows:
            if flow.started <= event.at <= flow.ended:
                flow.events.append(event)
                break


def _left_in_queues(stage: DemoStage, patience: float = 3.0) -> dict[str, int]:
    """What waits in the consumers' queues, once what is on its way has been taken: a system may still call the
    hub back on its own (NSP answers its tickets a few seconds after a dispatch), and a message that has just
    arrived is not left behind."""
    broker = stage.broker
    deadline = time.monotonic() + patience
    while True:
        left = {c: n for c in broker.config.consumers if (n := broker.message_count(stage.queue(c)))}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def _count(run: DemoRun, stage: DemoStage, tapped: list[Event], systems: list[Event]) -> None:
    run.counts = {
        "accepted at the ingress": sum(1 for e in tapped if e.target == "hub"),
        "handled by workers": sum(1 for e in tapped if e.target.endswith(" worker")),
        "sent by handlers": sum(1 for e in tapped if e.target.startswith("queue ")),
        "calls to the systems": len(systems),
    }
    broker = stage.broker
    run.dead_letters = DeadLetterQueues(broker).counts()
    run.left_in_queues = _left_in_queues(stage)
    with AuditLog.open(stage.settings.audit, create=False) as audit:
        report = audit.verify()
    run.audit, run.audit_intact = report.summary(), report.intact
    if any(run.dead_letters.values()):
        run.problems.append(f"dead letters: {run.dead_letters}")
    if not report.intact:
        run.problems.append(f"audit chain: {report.summary()}")


def run_demo(day: ProvinceDay, broker_url: str = "memory://") -> DemoRun:
    """Run the system and the scenario once, the emulators seeded as ``day``; the result says which flows passed
    and what happened."""
    run = DemoRun(redacted(broker_url), "", time.time())
    clock = time.perf_counter()
    with HubTap() as tap, DemoStage(broker_url, seed=day.seed) as stage:
        run.hub_url, run.prefix = stage.hub_url, stage.settings.topology_prefix
        run.startup_seconds = time.perf_counter() - clock
        scene = Scene(stage, tap, day)
        try:
            _play(scene, run)
            time.sleep(SETTLE)
            systems = system_events(stage.urls)
            tapped = list(tap.events)
            _count(run, stage, tapped, systems)
            _assign(run, [*tapped, *scene.notes, *systems])
        finally:
            scene.close()
    run.seconds = time.perf_counter() - clock
    return run
