"""The system a simulation plays against: ``onepoint demo``'s private stage (the hub on a free port, its workers,
the five emulators, a fresh queue prefix, files in a temporary folder) with two differences:

* time is simulated: the workflow runtime gets the ``SimulatedTime`` as its clock (deadlines, the scheduler, the
  statistics' day) and so does the NSP emulator (its tickets, replies and notices); everything else keeps real time;
* the people are simulated: NSP answers nothing by itself (``auto_reply`` and ``answer_known_faults`` off); the
  player's network centre decides when and what it answers, or that a dispatch is too poor to act on.

The rule switches of ``[workflow]`` (outage_auto_answer, mass_incidents, enforce_templates) are set from ``rules``.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from hub.config.settings import HubSettings
from hub.demo.cleanup import remove_topology
from hub.demo.stage import DEMO_CALLBACK_TOKENS, demo_settings
from hub.simulate.clock import EmulatorClock, SimulatedTime
from hub.system import EmulatedSystems, HubSystem, links_to, point_adapters
from hub.workflow.runtime import WorkflowRuntime

__all__ = ["SimulatedHub", "SimulationStage", "StageError", "simulation_settings"]

log = logging.getLogger("onepoint.simulate")
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 60.0


class StageError(RuntimeError):
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


class SimulationStage:
    """``with SimulationStage(time_, rules=True, seed=..., subscribers=...) as stage:`` the hub at
    ``stage.hub_url``, the emulators at ``stage.urls``, the work-order database at ``stage.database``."""

    def __init__(self, time_: SimulatedTime, *, rules: bool, seed: int, subscribers: int,
                 broker_url: str = "memory://") -> None:
        self.time, self.rules, self.seed, self.subscribers = time_, rules, seed, subscribers
        self.broker_url = broker_url
        self.folder = Path(tempfile.mkdtemp(prefix="onepoint-simulate-"))
        self.settings = simulation_settings(broker_url, self.folder, rules=rules, speed=time_.speed)
        self.emulated = EmulatedSystems()
        self.system: SimulatedHub | None = None
        self.hub_url = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._cwd = os.getcwd()

    @property
    def urls(self) -> dict[str, str]:
        return self.emulated.urls()

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
        import uvicorn

        from emulators.toolkit.runner import bind_socket

        os.chdir(self.folder)
        sock = bind_socket(LOOPBACK, 0)
        self.hub_url = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
        try:
            self.emulated = _start_emulators(self.hub_url, EmulatorClock(self.time), self.seed, self.subscribers)
            self.settings = links_to(point_adapters(self.settings, self.emulated.urls()), self.hub_url)
            self.system = SimulatedHub(self.settings, self.time)
            hub = self.system.start()
            config = uvicorn.Config(hub.asgi, lifespan="on", log_config=None, access_log=False,
                                    log_level="warning", timeout_graceful_shutdown=5)
            self._server = uvicorn.Server(config)
            self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                            name="simulate-hub", daemon=True)
            self._thread.start()
            self._wait_ready()
        except BaseException:
            self.stop()
            sock.close()
            raise
        log.info("simulation system running", extra={"hub": self.hub_url, "rules": self.rules_in_force()})
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.hub_url}/readyz", timeout=5).status_code == 200:
                    return
            if self._thread is None or not self._thread.is_alive() or time.monotonic() > deadline:
                raise StageError(f"the hub at {self.hub_url} did not become ready")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(30)
        elif self.system is not None:
            self.system.stop()
            if self.system.app is not None:
                self.system.app.router.broker.close()  # type: ignore[attr-defined]
        self._server = self._thread = None
        self.emulated.stop()
        if self.system is not None and not remove_topology(self.broker_url, self.settings.topology):
            log.warning("the simulation's queues remain on the broker",
                        extra={"prefix": self.settings.topology_prefix})
        self.system = None
        os.chdir(self._cwd)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> SimulationStage:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
