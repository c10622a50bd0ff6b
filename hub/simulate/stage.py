"""The system a simulation plays against: ``onepoint demo``'s private stage (the hub on a free port, its workers,
the six emulators, a fresh queue prefix, files in a temporary folder) with two differences:

* time is simulated: the workflow runtime gets the ``SimulatedTime`` as its clock (deadlines, the scheduler, the
  statistics' day) and so does the NSP emulator (its tickets, replies and notices); everything else keeps real time;
* the people are simulated: NSP answers nothing by itself (``auto_reply`` and ``answer_known_faults`` off); the
  player's network centre decides when and what it answers, or that a dispatch is too poor to act on.

The rule switches of ``[workflow]`` (outage_auto_answer, mass_incidents, enforce_templates) are set from ``rules``.
"""

from __future__ import annotations

import inspect
import logging
import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from hub.config.settings import HubSettings
from hub.demo.stage import DEMO_CALLBACK_TOKENS, PrivateStage, demo_settings
from hub.demo.stage import StageError as DemoStageError
from hub.simulate.clock import EmulatorClock, SimulatedTime
from hub.system import EmulatedSystems, HubSystem, links_to, point_adapters, point_mail
from hub.workflow.runtime import WorkflowRuntime

__all__ = ["SimulatedHub", "SimulationStage", "StageError", "simulation_settings"]

log = logging.getLogger("onepoint.simulate")
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 60.0


class StageError(DemoStageError):
    """The simulated system could not be started."""


def simulation_settings(broker_url: str, folder: Path, *, rules: bool, speed: float) -> HubSettings:
    """The demo's settings with every operator rule on or off and the scheduler looking often enough that a
    deadline fires within about a simulated minute."""
    settings = demo_settings(broker_url, folder)
    interval = min(max(60.0 / speed, 0.05), 1.0)
    workflow = replace(settings.workflow, outage_auto_answer=rules, mass_incidents=rules, enforce_templates=rules,
                       scheduler_interval_seconds=interval, publisher_interval_seconds=0.0)
    return replace(settings, topology_prefix=settings.topology_prefix.replace("demo", "sim", 1), workflow=workflow)


class SimulatedHub(HubSystem):
    """``HubSystem`` whose workflow runs on simulated time (its ``dependencies(clock=...)``)."""

    def __init__(self, settings: HubSettings, time_: SimulatedTime) -> None:
        super().__init__(settings, dependency_options={"workflow": {"clock": time_}},
                         drain_seconds=None)  # a private run: its queues are thrown away with it
        self.time = time_

    @property
    def workflow(self) -> WorkflowRuntime:
        for running in self.running:
            runtime = running.dependencies.get("workflow")
            if isinstance(runtime, WorkflowRuntime):
                return runtime
        raise StageError("no workflow worker runs in this system")


def _start_emulators(hub_url: str, clock: EmulatorClock, seed: int, subscribers: int) -> EmulatedSystems:
    from emulators.catalog import EMULATORS, resolve_emulator
    from emulators.toolkit import start_server

    running = EmulatedSystems()
    try:
        for name in EMULATORS:
            factory = resolve_emulator(name)
            wanted: dict[str, Any] = {"hub_url": hub_url, "hub_token": DEMO_CALLBACK_TOKENS.get(name),
                                      "subscribers": subscribers}
            if name == "nsp":
                wanted.update(clock=clock, auto_reply=False, answer_known_faults=False)
            accepted = inspect.signature(factory).parameters
            app = factory(seed=seed, **{k: v for k, v in wanted.items() if v is not None and k in accepted})
            running.servers[name] = start_server(app, host=LOOPBACK, port=0, name=name)
    except BaseException:
        running.stop()
        raise
    return running


class SimulationStage(PrivateStage):
    """``with SimulationStage(time_, rules=True, seed=..., subscribers=...) as stage:`` the hub at
    ``stage.hub_url``, the emulators at ``stage.urls``, the work-order database at ``stage.database``. Its clean-up
    is the demo's (``PrivateStage.stop``)."""

    label = "simulation"
    start_timeout = START_TIMEOUT
    error = StageError
    log = log

    def __init__(self, time_: SimulatedTime, *, rules: bool, seed: int, subscribers: int,
                 broker_url: str = "memory://") -> None:
        super().__init__(broker_url, "onepoint-simulate-")
        self.time, self.rules, self.seed, self.subscribers = time_, rules, seed, subscribers
        self.settings = simulation_settings(broker_url, self.folder, rules=rules, speed=time_.speed)
        self.system: SimulatedHub | None = None

    @property
    def database(self) -> str:
        return self.settings.workflow.database

    def rules_in_force(self) -> list[str]:
        """The operator rules the running workflow applies (as built by ``open_runtime``)."""
        if self.system is None:
            return []
        runtime = self.system.workflow
        names = [rule.name for rule in runtime.intake_rules]
        if runtime.engine.settings.enforce_templates:
            names.append("enforce_templates")
        return names

    def start(self) -> SimulationStage:
        from emulators.toolkit.runner import bind_socket

        os.chdir(self.folder)
        sock = bind_socket(LOOPBACK, 0)
        self.hub_url = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
        try:
            self.emulated = _start_emulators(self.hub_url, EmulatorClock(self.time), self.seed, self.subscribers)
            self.settings = links_to(point_mail(point_adapters(self.settings, self.emulated.urls()),
                                                self.emulated.smtp_addresses()), self.hub_url)
            self.system = SimulatedHub(self.settings, self.time)
            hub = self.system.start()
            self._serve(hub.asgi, sock, "simulate-hub")
        except BaseException as exc:
            try:
                self._failed_start(exc)
            finally:
                sock.close()
            raise
        log.info("simulation system running", extra={"hub": self.hub_url, "rules": self.rules_in_force()})
        return self

    def _remove_tree(self, folder: Path) -> None:  # this module's shutil, as before the stages shared stop()
        shutil.rmtree(folder, ignore_errors=True)

    def __enter__(self) -> SimulationStage:
        return self.start()
