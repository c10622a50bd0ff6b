"""The five emulated systems started in the hub's process, their call-backs pointed at the hub.

Each emulator is served by its own uvicorn thread (``emulators.toolkit.start_server``) on ``base_port + i`` in
registry order (boss 8101, crm 8102, nsp 8103, dsmp 8104, oa 8105 by default; base 0: free ports). The adapters'
endpoints of the settings are then pointed at the emulators actually started (``point_adapters``): same path,
the emulator's host and port. NSP and OA call back ``POST {hub}/xml/<set>`` with the bearer token given for them.
An emulator that cannot be served (its port taken) is an ``EmulatorStartError`` naming it and its host:port, so
that ``onepoint serve`` says which port to free, as ``onepoint emulate`` does.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from hub.config.settings import HubSettings

__all__ = ["EmulatedSystems", "EmulatorStartError", "point_adapters", "start_emulators"]

log = logging.getLogger("onepoint.system")
LOOPBACK = "127.0.0.1"


class EmulatorStartError(OSError):
    """One emulator could not be served on ``host:port`` (``reason``: the socket's error, e.g. the port taken)."""

    def __init__(self, system: str, host: str, port: int, reason: OSError) -> None:
        self.system, self.host, self.port, self.reason = system, host, port, reason
        self.address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        super().__init__(f"cannot serve the {system} emulator on {self.address}: {reason.strerror or reason}")
        self.errno = reason.errno  # EADDRINUSE for a taken port, as the socket's error said


@dataclass
class EmulatedSystems:
    """The running emulators by system name (their servers, stopped by ``stop``)."""

    servers: dict[str, Any] = field(default_factory=dict)

    def urls(self) -> dict[str, str]:
        return {name: str(server.url) for name, server in self.servers.items()}

    def stop(self) -> None:
        """Stop every emulator (releases hung requests, joins the server threads). Idempotent."""
        stopped = list(self.servers)
        for name, server in reversed(list(self.servers.items())):
            try:
                server.stop()
            except RuntimeError as exc:
                log.error("emulator did not stop", extra={"system": name, "error": str(exc)})
        self.servers.clear()
        if stopped:
            log.info("emulators stopped", extra={"emulators": stopped})


def start_emulators(hub_url: str, tokens: Mapping[str, str], *, base_port: int = 8101, seed: int = 0,
                    subscribers: int | None = None, host: str = LOOPBACK) -> EmulatedSystems:
    """Start every registered emulator; on a failure, those already started are stopped again. An emulator that
    cannot be served is an ``EmulatorStartError`` naming it and its host:port."""
    from emulators.catalog import EMULATORS, resolve_emulator
    from emulators.toolkit import start_server

    running = EmulatedSystems()
    try:
        for index, name in enumerate(EMULATORS):
            factory = resolve_emulator(name)
            wanted: dict[str, Any] = {"hub_url": hub_url, "hub_token": tokens.get(name), "subscribers": subscribers}
            accepted = inspect.signature(factory).parameters
            kwargs = {key: value for key, value in wanted.items() if value is not None and key in accepted}
            app = factory(seed=seed, **kwargs)
            port = 0 if base_port == 0 else base_port + index
            try:
                running.servers[name] = start_server(app, host=host, port=port, name=name)
            except OSError as exc:
                raise EmulatorStartError(name, host, port, exc) from exc
    except BaseException:
        running.stop()
        raise
    log.info("emulators started", extra={"emulators": running.urls(), "hub_url": hub_url})
    return running


def _moved(url: str, base: str) -> str:
    target = urlsplit(base)
    return urlunsplit(urlsplit(url)._replace(scheme=target.scheme, netloc=target.netloc))


def point_adapters(settings: HubSettings, urls: Mapping[str, str]) -> HubSettings:
    """``settings`` with each ``[adapters.<system>]`` endpoint (and WSDL) moved to the emulator at ``urls``."""
    adapters = []
    for adapter in settings.adapters:
        base = urls.get(adapter.system)
        if base is None:
            adapters.append(adapter)
            continue
        wsdl = None if adapter.wsdl is None else _moved(adapter.wsdl, base)
        adapters.append(replace(adapter, url=_moved(adapter.url, base), wsdl=wsdl))
    return replace(settings, adapters=tuple(adapters))
