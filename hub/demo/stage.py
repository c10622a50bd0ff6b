"""The stage of ``onepoint demo``: the whole system of ``onepoint serve`` started in this process, privately.

Everything a run creates is its own: the hub on a free 127.0.0.1 port (uvicorn in a thread, the app's lifespan
on), the six emulators on free ports with their call-backs pointed at that hub (the hub's ``[mail]`` at the mail
emulator's SMTP server, BILLING marked offline), the queues under a fresh prefix
(``demo<hex>``: a shared RabbitMQ keeps its other queues untouched), and the audit log, the bulletin and the
workers' processed stores in a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any

import httpx

from hub.config.settings import HubSettings, load_settings
from hub.demo.cleanup import note_left_behind, remove_topology, uninterrupted
from hub.demo.day import SEED
from hub.demo.events import ReceiptClock
from hub.system import EmulatedSystems, HubSystem, links_to, point_adapters, point_mail, start_emulators
from hub.system.callbacks import DEVELOPMENT_CALLBACK_TOKENS

__all__ = ["DEMO_CALLBACK_TOKENS", "OFFLINE_DEPARTMENT", "OFFLINE_MAILBOX", "DemoStage", "PrivateStage", "StageError"]

log = logging.getLogger("onepoint.demo")

LOOPBACK = "127.0.0.1"
DEMO_CALLBACK_TOKENS = DEVELOPMENT_CALLBACK_TOKENS  # the built-in callers' development tokens
OFFLINE_DEPARTMENT, OFFLINE_MAILBOX = "BILLING", "billing-desk@example.com"  # handled by e-mail (hub.demo.offline)
START_TIMEOUT = 30.0  # seconds for the hub to answer /readyz


class StageError(RuntimeError):
    """The system could not be started (a port, the broker, a worker)."""


def demo_settings(broker_url: str, folder: Path) -> HubSettings:
    """The built-in development settings on ``broker_url``, a fresh queue prefix, files under ``folder``; BILLING
    handled offline, by e-mail to the mail emulator (``hub.demo.offline``)."""
    settings = load_settings()
    return replace(settings, broker_url=broker_url, topology_prefix=f"demo{uuid.uuid4().hex[:8]}",
                   mail=replace(settings.mail, offline=MappingProxyType({OFFLINE_DEPARTMENT: OFFLINE_MAILBOX})),
                   audit=replace(settings.audit, path=folder / "audit.db"),
                   bulletin=replace(settings.bulletin, path=folder / "bulletin.db"),
                   workflow=replace(settings.workflow, database=f"sqlite:///{folder / 'workorders.db'}"))


class PrivateStage:
    """What ``DemoStage`` and ``hub.simulate.SimulationStage`` share: a private system's temporary folder, the hub
    served by uvicorn in a thread, the emulators, and its clean-up (``stop``).

    ``stop`` runs every step even when one before it failed (the hub, the emulators, the queues, the folder last),
    and a second Ctrl-C or SIGTERM does not break it off: the signal is held until the clean-up is done, then raised
    as the interrupt it is. What it could not remove is in ``left_behind`` and said on the exception that ends the
    run (``hub.demo.cleanup.left_behind``)."""

    label = "private run"  # in the log line of queues left on the broker
    start_timeout = START_TIMEOUT
    error: type[StageError] = StageError  # raised when the hub does not become ready
    log = log

    def __init__(self, broker_url: str, folder_prefix: str) -> None:
        self.broker_url = broker_url
        self.folder = Path(tempfile.mkdtemp(prefix=folder_prefix))
        self.emulated = EmulatedSystems()
        self.system: HubSystem | None = None
        self.hub_url = ""
        self.left_behind: list[str] = []
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._cwd = os.getcwd()
        self.settings: HubSettings

    @property
    def urls(self) -> dict[str, str]:
        return self.emulated.urls()

    @property
    def broker(self) -> Any:
        """The running hub's broker (its queues and dead-letter queues: what the demo and the simulator count)."""
        if self.system is None or self.system.app is None:
            raise self.error("the stage is not started")
        return self.system.app.router.broker  # type: ignore[attr-defined]

    def _serve(self, asgi: Any, sock: socket.socket, thread_name: str) -> None:
        """Serve the hub's ``asgi`` app on ``sock`` with uvicorn in a daemon thread; return once it is ready."""
        import uvicorn

        from hub.http.server import server_config

        config = server_config(asgi, lifespan="on", log_level="warning", timeout_graceful_shutdown=5,
                               read_timeout=self.settings.read_timeout, max_connections=self.settings.max_connections)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, name=thread_name,
                                        daemon=True)
        self._thread.start()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.hub_url}/readyz", timeout=5).status_code == 200:
                    return
            if self._thread is None or not self._thread.is_alive() or time.monotonic() > deadline:
                raise self.error(f"the hub at {self.hub_url} did not become ready")
            time.sleep(0.05)

    def _failed_start(self, exc: BaseException) -> None:
        """Clean up after a start that failed (``exc``); an interrupt held meanwhile gives way to ``exc``."""
        with contextlib.suppress(KeyboardInterrupt):
            self.stop()
        note_left_behind(exc, self.left_behind)

    def stop(self) -> None:
        """Stop taking requests, drain the workers (the app's shutdown), stop the emulators, remove the run's queues
        and its folder; raises ``KeyboardInterrupt`` afterwards if a signal came meanwhile."""
        # the steps run last to first, each whatever the ones before it did
        with uninterrupted() as held, contextlib.ExitStack() as steps:
            steps.callback(self._remove_folder)
            steps.callback(self._remove_queues)
            steps.callback(self.emulated.stop)
            self._stop_hub()
        if held:
            interrupt = KeyboardInterrupt(held[0])
            note_left_behind(interrupt, self.left_behind)
            raise interrupt

    def _stop_hub(self) -> None:
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(30)
        elif self.system is not None:  # started, never served: the app's shutdown did not run
            try:
                self.system.stop()
            finally:
                if self.system.app is not None:
                    self.system.app.router.broker.close()  # type: ignore[attr-defined]

    def _remove_queues(self) -> None:
        system, self.system = self.system, None
        if system is not None and not remove_topology(self.broker_url, self.settings.topology):
            self.log.warning(f"the {self.label}'s queues remain on the broker",
                             extra={"prefix": self.settings.topology_prefix})
            self.left_behind.append(f"its queues (prefix {self.settings.topology_prefix}) on the broker")

    def _remove_folder(self) -> None:
        try:
            os.chdir(self._cwd)
        finally:
            self._remove_tree(self.folder)
            if self.folder.exists():
                self.left_behind.append(f"its temporary folder {self.folder}")

    def _remove_tree(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.stop()
        except KeyboardInterrupt:
            if exc is None:  # a signal came while a run that had ended was cleaning up: the run is interrupted
                raise
        finally:
            if exc is not None:
                note_left_behind(exc, self.left_behind)


class DemoStage(PrivateStage):
    """``with DemoStage("memory://") as stage:`` the hub at ``stage.hub_url``, the emulators at ``stage.urls``."""

    label = "demo"

    def __init__(self, broker_url: str = "memory://", *, seed: int = SEED) -> None:
        super().__init__(broker_url, "onepoint-demo-")
        self.seed = seed  # the emulators' (BOSS's population, NSP's answers)
        self.settings = demo_settings(broker_url, self.folder)

    def queue(self, consumer: str) -> str:
        return str(self.broker.config.queue(consumer))

    def start(self) -> DemoStage:
        from emulators.toolkit.runner import bind_socket

        os.chdir(self.folder)  # the workers' processed stores on amqp:// are sqlite files in the working folder
        sock = bind_socket(LOOPBACK, 0)
        self.hub_url = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
        try:
            self.emulated = start_emulators(self.hub_url, DEMO_CALLBACK_TOKENS, base_port=0, seed=self.seed)
            self.settings = links_to(point_mail(point_adapters(self.settings, self.emulated.urls()),
                                                self.emulated.smtp_addresses()), self.hub_url)
            self.system = HubSystem(self.settings, drain_seconds=None)  # its queues are thrown away with it
            hub = self.system.start()
            hub.asgi.add_middleware(ReceiptClock)  # the tap stamps the ingress's events at their receipt
            self._serve(hub.asgi, sock, "demo-hub")
        except BaseException as exc:
            try:
                self._failed_start(exc)
            finally:
                sock.close()
            raise
        log.info("demo system running", extra={"hub": self.hub_url, "emulators": self.urls,
                                               "prefix": self.settings.topology_prefix})
        return self

    def __enter__(self) -> DemoStage:
        return self.start()
