"""The emulated systems started in the hub's process, their call-backs pointed at the hub.

Each emulator is served by its own uvicorn thread (``emulators.toolkit.start_server``) on ``base_port + i`` in
registry order (boss 8101, crm 8102, nsp 8103, dsmp 8104, oa 8105, mail 8106 by default; base 0: free ports), the mail
emulator's SMTP server on ``smtp_port`` (8025, the hub's ``[mail] smtp_port``, at the default base port; else free),
its IMAP server (where a ``[mail.inbox]`` would point) on ``imap_port`` (default a free one).
The adapters' endpoints of the settings are then pointed at the emulators actually started (``point_adapters``): same
path, the emulator's host and port; the hub's ``[mail] smtp_host`` / ``smtp_port`` at the SMTP server
(``point_mail``).
NSP and OA call back ``POST {hub}/xml/<set>``, the mail emulator delivers answers to ``POST {hub}/mail/inbound``,
with the bearer token given for them.
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

__all__ = ["DEFAULT_SMTP_PORT", "EmulatedSystems", "EmulatorStartError", "mail_smtp_port", "point_adapters",
           "point_mail", "start_emulators"]

log = logging.getLogger("onepoint.system")
LOOPBACK = "127.0.0.1"
DEFAULT_SMTP_PORT = 8025  # the mail emulator's SMTP server, where the built-in [mail] smtp_port points
DEFAULT_BASE_PORT = 8101  # the first emulator's port (boss), the others after it in the catalogue's order


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

    def smtp_addresses(self) -> dict[str, tuple[str, int]]:
        """The SMTP servers of the running emulators (the mail emulator's): name -> (host, port)."""
        return {name: (str(smtp.host), int(smtp.port)) for name, server in self.servers.items()
                if (smtp := getattr(server.app, "smtp", None)) is not None}

    def imap_addresses(self) -> dict[str, tuple[str, int]]:
        """The IMAP servers of the running emulators (the mail emulator's): name -> (host, port)."""
        return {name: (str(imap.host), int(imap.port)) for name, server in self.servers.items()
                if (imap := getattr(server.app, "imap", None)) is not None}

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


def mail_smtp_port(smtp_port: int | None, *, base_port: int) -> int:
    """The mail emulator's SMTP port: ``smtp_port`` if given; unset, :data:`DEFAULT_SMTP_PORT` at the default base
    port, else 0 (a free one: two runs on other base ports never meet on it)."""
    if smtp_port is not None:
        return smtp_port
    return DEFAULT_SMTP_PORT if base_port == DEFAULT_BASE_PORT else 0


def start_emulators(hub_url: str, tokens: Mapping[str, str], *, base_port: int = DEFAULT_BASE_PORT, seed: int = 0,
                    subscribers: int | None = None, host: str = LOOPBACK,
                    smtp_port: int | None = None, imap_port: int | None = None) -> EmulatedSystems:
    """Start every registered emulator; on a failure, those already started are stopped again. An emulator that
    cannot be served is an ``EmulatorStartError`` naming it and its host:port. ``smtp_port``: the mail emulator's
    SMTP server (default :data:`DEFAULT_SMTP_PORT` at the default ports, else a free one: two runs on other base
    ports never meet on it; the hub is pointed at it, ``point_mail``); ``imap_port``: its IMAP server (default a
    free one)."""
    from emulators.catalog import EMULATORS, resolve_emulator
    from emulators.toolkit import start_server

    running = EmulatedSystems()
    smtp = mail_smtp_port(smtp_port, base_port=base_port)
    try:
        for index, name in enumerate(EMULATORS):
            factory = resolve_emulator(name)
            wanted: dict[str, Any] = {"hub_url": hub_url, "hub_token": tokens.get(name), "subscribers": subscribers,
                                      "smtp_host": host, "smtp_port": smtp, "imap_port": imap_port or 0}
            accepted = inspect.signature(factory).parameters
            kwargs = {key: value for key, value in wanted.items() if value is not None and key in accepted}
            try:
                app = factory(seed=seed, **kwargs)  # the mail emulator binds its SMTP server here
            except OSError as exc:  # the mail emulator's SMTP or IMAP server (its ``protocol``) could not bind
                protocol = getattr(exc, "protocol", "SMTP")
                port = (imap_port or 0) if protocol == "IMAP" else smtp
                raise EmulatorStartError(f"{name} ({protocol})", host, port, exc) from exc
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


def point_mail(settings: HubSettings, smtp: Mapping[str, tuple[str, int]]) -> HubSettings:
    """``settings`` with ``[mail] smtp_host`` / ``smtp_port`` at the mail emulator's SMTP server (if in ``smtp``)."""
    address = smtp.get("mail")
    if address is None:
        return settings
    return replace(settings, mail=replace(settings.mail, smtp_host=address[0], smtp_port=address[1]))
