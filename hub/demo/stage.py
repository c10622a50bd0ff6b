"""The stage of ``onepoint demo``: the whole system of ``onepoint serve`` started in this process, privately.

Everything a run creates is its own: the hub on a free 127.0.0.1 port (uvicorn in a thread, the app's lifespan
on), the five emulators on free ports with their call-backs pointed at that hub, the queues under a fresh prefix
(``demo<hex>``: a shared RabbitMQ keeps its other queues untouched), and the audit log, the bulletin and the
workers' processed stores in a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from hub.config.settings import HubSettings, load_settings
from hub.demo.cleanup import remove_topology
from hub.demo.day import SEED
from hub.demo.events import ReceiptClock
from hub.system import EmulatedSystems, HubSystem, links_to, point_adapters, start_emulators
from hub.system.callbacks import DEVELOPMENT_CALLBACK_TOKENS

__all__ = ["DEMO_CALLBACK_TOKENS", "DemoStage", "StageError"]

log = logging.getLogger("onepoint.demo")

LOOPBACK = "127.0.0.1"
DEMO_CALLBACK_TOKENS = DEVELOPMENT_CALLBACK_TOKENS  # the built-in callers' development tokens
START_TIMEOUT = 30.0  # seconds for the hub to answer /readyz


class StageError(RuntimeError):
    """The system could not be started (a port, the broker, a worker)."""


def demo_settings(broker_url: str, folder: Path) -> HubSettings:
    """The built-in development settings on ``broker_url``, a fresh queue prefix, files under ``folder``."""
    settings = load_settings()
    return replace(settings, broker_url=broker_url, topology_prefix=f"demo{uuid.uuid4().hex[:8]}",
                   audit=replace(settings.audit, path=folder / "audit.db"),
                   bulletin=replace(settings.bulletin, path=folder / "bulletin.db"),
                   workflow=replace(settings.workflow, database=f"sqlite:///{folder / 'workorders.db'}"))


class DemoStage:
    """``with DemoStage("memory://") as stage:`` the hub at ``stage.hub_url``, the emulators at ``stage.urls``."""

    def __init__(self, broker_url: str = "memory://", *, seed: int = SEED) -> None:
        self.broker_url, self.seed = broker_url, seed  # seed: the emulators' (BOSS's population, NSP's answers)
        self.folder = Path(tempfile.mkdtemp(prefix="onepoint-demo-"))
        self.settings = demo_settings(broker_url, self.folder)
        self.emulated = EmulatedSystems()
        self.system: HubSystem | None = None
        self.hub_url = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._cwd = os.getcwd()

    @property
    def urls(self) -> dict[str, str]:
        return self.emulated.urls()

    @property
    def broker(self) -> Any:
        if self.system is None or self.system.app is None:
            raise StageError("the stage is not started")
        return self.system.app.router.broker  # type: ignore[attr-defined]

    def queue(self, consumer: str) -> str:
        return str(self.broker.config.queue(consumer))

    def start(self) -> DemoStage:
        import uvicorn

        from emulators.toolkit.runner import bind_socket

        os.chdir(self.folder)  # the workers' processed stores on amqp:// are sqlite files in the working folder
        sock = bind_socket(LOOPBACK, 0)
        self.hub_url = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
        try:
            self.emulated = start_emulators(self.hub_url, DEMO_CALLBACK_TOKENS, base_port=0, seed=self.seed)
            self.settings = links_to(point_adapters(self.settings, self.emulated.urls()), self.hub_url)
            self.system = HubSystem(self.settings, drain_seconds=None)  # its queues are thrown away with it
            hub = self.system.start()
            hub.asgi.add_middleware(ReceiptClock)  # the tap stamps the ingress's events at their receipt
            config = uvicorn.Config(hub.asgi, lifespan="on", log_config=None, access_log=False,
                                    log_level="warning", timeout_graceful_shutdown=5)
            self._server = uvicorn.Server(config)
            self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                            name="demo-hub", daemon=True)
            self._thread.start()
            self._wait_ready()
        except BaseException:
            self.stop()
            sock.close()
            raise
        log.info("demo system running", extra={"hub": self.hub_url, "emulators": self.urls,
                                               "prefix": self.settings.topology_prefix})
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
        """Stop taking requests, drain the workers (the app's shutdown), stop the emulators, remove the folder."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(30)
        elif self.system is not None:  # started, never served: the app's shutdown did not run
            self.system.stop()
            if self.system.app is not None:
                self.system.app.router.broker.close()  # type: ignore[attr-defined]
        self._server = self._thread = None
        self.emulated.stop()
        if self.system is not None and not remove_topology(self.broker_url, self.settings.topology):
            log.warning("the demo's queues remain on the broker", extra={"prefix": self.settings.topology_prefix})
        self.system = None
        os.chdir(self._cwd)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> DemoStage:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
