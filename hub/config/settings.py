"""Hub settings: a TOML file, or the built-in development defaults shipped with the package."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hub.config.adapters import AdapterSettings, parse_adapters
from hub.config.audit import AuditSettings, parse_audit
from hub.config.broker import DEFAULT_DELAY_TIERS, parse_broker
from hub.config.bulletin import BulletinSettings, parse_bulletin
from hub.config.development import DevelopmentCaller, development_callers
from hub.config.files import ConfigError, read_settings_file
from hub.config.mail import MailSettings, parse_mail
from hub.config.runtime import DEFAULT_GC_YOUNG_THRESHOLD, MOST_GC_YOUNG_THRESHOLD
from hub.config.security import CallerConfig, SecuritySettings, parse_callers, parse_security
from hub.config.server import (
    KEEP_ALIVE_SECONDS,
    READ_TIMEOUT_SECONDS,
    named_host,
    parse_keep_alive,
    parse_max_connections,
    parse_public_url,
    parse_read_timeout,
    parse_trusted_proxies,
)
from hub.config.values import BUILT_IN, relative_path, whole_number
from hub.config.workers import WorkerSettings, parse_workers
from hub.config.workflow import WorkflowSettings, parse_workflow
from hub.transport.topology import DelayTier, TopologyConfig
from hub.validation.parser import DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT, ParserLimits

__all__ = [
    "SECRETS",
    "AdapterSettings",
    "AuditSettings",
    "BulletinSettings",
    "CallerConfig",
    "ConfigError",
    "HubSettings",
    "MailSettings",
    "SecuritySettings",
    "WorkerSettings",
    "WorkflowSettings",
    "load_settings",
]


@dataclass(frozen=True, slots=True)
class HubSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    # [server] public_url: the base URL clients reach the hub at (the WSDL's soap:address); None: `hub_url`
    public_url: str | None = None
    # [server] read_timeout_seconds, max_connections: what one client may hold of the server (hub.http.protocol)
    read_timeout: float = READ_TIMEOUT_SECONDS
    keep_alive: float = KEEP_ALIVE_SECONDS  # [server] keep_alive_seconds: an idle connection kept this long
    max_connections: int | None = None  # None: half the process's open-file limit
    # [server] trusted_proxies: whose X-Forwarded-For names the client (hub.http.server); none by default
    trusted_proxies: tuple[str, ...] = ()
    limits: ParserLimits = field(default_factory=ParserLimits)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    callers: tuple[CallerConfig, ...] = ()
    broker_url: str = "memory://"
    topology_prefix: str = "onepoint"
    delay_tiers: tuple[DelayTier, ...] = DEFAULT_DELAY_TIERS
    delivery_limit: int = 10
    max_queue_length: int | None = None
    routing_file: Path | None = None
    gc_young_threshold: int = DEFAULT_GC_YOUNG_THRESHOLD
    adapters: tuple[AdapterSettings, ...] = ()  # [adapters.<system>]: how the hub calls each backend system
    audit: AuditSettings = field(default_factory=AuditSettings)  # [audit]: the SMS-log audit trail (hub.audit)
    bulletin: BulletinSettings = field(default_factory=BulletinSettings)  # [bulletin]: outage notices for agents
    workflow: WorkflowSettings = field(default_factory=WorkflowSettings)  # [workflow]: the work-order engine
    workers: WorkerSettings = field(default_factory=WorkerSettings)  # [workers]: the adapters' processed store
    mail: MailSettings = field(default_factory=MailSettings)  # [mail]: offline departments by e-mail
    source: str = BUILT_IN

    def adapter(self, system: str) -> AdapterSettings:
        """The ``[adapters.<system>]`` section; ``ConfigError`` if the settings have none."""
        for found in self.adapters:
            if found.system == system:
                return found
        raise ConfigError(f"{self.source}: no [adapters.{system}] section")

    @property
    def hub_url(self) -> str:
        """The hub's public base URL, without a trailing slash: ``[server] public_url``, else
        ``http://<host>:<port>`` of the server settings (``onepoint serve`` sets the port it really bound), this
        machine's name for a host that binds every address (``0.0.0.0``, ``::``: no client can connect to it)."""
        if self.public_url is not None:
            return self.public_url
        host = named_host(self.host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def built_in(self) -> bool:
        """The built-in defaults, no settings file."""
        return self.source == BUILT_IN

    @property
    def development_callers(self) -> tuple[DevelopmentCaller, ...]:
        """The callers accepting a published development credential (``hub.config.development``), whatever the
        source: a settings file copied from ``defaults.toml`` carries them too."""
        return development_callers(self.callers)

    @property
    def uses_development_credentials(self) -> bool:
        return self.built_in or bool(self.development_callers)

    @property
    def topology(self) -> TopologyConfig:
        """Exchange and queue names, delay tiers and limits of the backbone."""
        return TopologyConfig(prefix=self.topology_prefix, delay_tiers=self.delay_tiers,
                              delivery_limit=self.delivery_limit, max_length=self.max_queue_length)


_SECTIONS: dict[str, frozenset[str] | None] = {  # None: the section's own parser checks its keys
    "server": frozenset({"host", "port", "public_url", "read_timeout_seconds", "keep_alive_seconds",
                         "max_connections", "trusted_proxies"}),
    "limits": frozenset({"max_body_bytes", "max_depth", "max_attributes_per_element", "max_attributes"}),
    "security": frozenset({"replay_window_seconds", "nonce_cache_size", "nonce_store", "sign_in_failures_per_caller",
                           "sign_in_failures_per_address", "sign_in_window_seconds", "sign_in_tracked",
                           "sign_in_refusal_delay_seconds", "password_text_over_tls"}),
    "routing": frozenset({"file"}),
    "broker": None, "runtime": None, "callers": None, "adapters": None, "audit": None, "bulletin": None,
    "workflow": None, "workers": None, "mail": None,
}


def _check_sections(data: dict[str, Any], source: str) -> None:
    """Every top-level key a known section, every key of the simple sections known: a misspelt setting is an
    error, never a default silently kept."""
    problems = [f"unknown section or key [{key}]" for key in sorted(set(data) - set(_SECTIONS))]
    for name, allowed in _SECTIONS.items():
        section = data.get(name)
        if allowed is None or section is None:
            continue
        if not isinstance(section, dict):
            problems.append(f"[{name}] must be a table")
        elif unknown := sorted(set(section) - allowed):
            problems.append(f"unknown keys in [{name}]: {unknown} (known: {sorted(allowed)})")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))


SECRETS: frozenset[str] = frozenset({"callers", "adapters", "workers", "mail"})
"""The sections whose secrets come from environment variables: ``[[callers]] ws_password_env``, ``[adapters.<system>]
password_env`` / ``token_env``, ``[workers] processed_store_password_env``, ``[mail] token_key_env`` /
``previous_token_key_env`` and ``[mail.inbox] password_env``."""


def _from_mapping(data: dict[str, Any], source: str, secrets: frozenset[str] = SECRETS) -> HubSettings:
    _check_sections(data, source)
    server, limits, broker = data.get("server", {}), data.get("limits", {}), data.get("broker", {})
    runtime = data.get("runtime", {})
    if unknown_runtime := set(runtime) - {"gc_young_threshold"}:
        raise ConfigError(f"{source}: unknown keys in [runtime]: {sorted(unknown_runtime)}")
    broker_settings = parse_broker(broker, source)
    try:
        workflow = parse_workflow(data.get("workflow"), source)
        return _callers_named(HubSettings(
            host=str(server.get("host", "127.0.0.1")),
            port=whole_number(server, "server", "port", 8000, source),
            public_url=parse_public_url(server.get("public_url"), source),
            read_timeout=parse_read_timeout(server, source),
            keep_alive=parse_keep_alive(server, source),
            max_connections=parse_max_connections(server, source),
            trusted_proxies=parse_trusted_proxies(server, source),
            limits=ParserLimits(
                max_bytes=whole_number(limits, "limits", "max_body_bytes", 1_048_576, source, minimum=1),
                max_depth=whole_number(limits, "limits", "max_depth", 64, source),
                max_attributes_per_element=whole_number(limits, "limits", "max_attributes_per_element",
                                                        DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT, source),
                max_attributes=whole_number(limits, "limits", "max_attributes", DEFAULT_MAX_ATTRIBUTES, source),
            ),
            security=parse_security(data.get("security", {}), source),
            callers=parse_callers(data.get("callers"), source, secrets="callers" in secrets),
            broker_url=broker_settings.url,
            topology_prefix=broker_settings.prefix,
            delay_tiers=broker_settings.delay_tiers,
            delivery_limit=broker_settings.delivery_limit,
            max_queue_length=broker_settings.max_queue_length,
            routing_file=relative_path(data.get("routing", {}).get("file"), source),
            gc_young_threshold=whole_number(runtime, "runtime", "gc_young_threshold", DEFAULT_GC_YOUNG_THRESHOLD,
                                            source, minimum=0, maximum=MOST_GC_YOUNG_THRESHOLD),
            adapters=parse_adapters(data.get("adapters"), source, secrets="adapters" in secrets),
            audit=parse_audit(data.get("audit", {}), source, workflow.database),
            bulletin=parse_bulletin(data.get("bulletin"), source, workflow.database),
            workflow=workflow,
            workers=parse_workers(data.get("workers"), source, workflow.database, secrets="workers" in secrets),
            mail=parse_mail(data.get("mail"), source, secrets="mail" in secrets),
            source=source,
        ))
    except ValueError as exc:
        message = str(exc)
        raise ConfigError(message if message.startswith(f"{source}:") else f"{source}: {message}") from None


def _callers_named(settings: HubSettings) -> HubSettings:
    """``settings`` when every caller an ``[adapters.dsmp] operator_roles`` entry binds its accounts to
    (``callers``) is one of its ``[[callers]]``: a misspelt name would refuse every back-office SMS-log query
    (``operator-caller-mismatch``) while the hub looked healthy. Without ``[[callers]]`` (a worker's settings)
    there is nothing to check against."""
    known = {caller.username for caller in settings.callers}
    dsmp = next((adapter for adapter in settings.adapters if adapter.system == "dsmp"), None)
    if not known or dsmp is None or not isinstance(dsmp.options.get("operator_roles"), list):
        return settings
    for index, entry in enumerate(dsmp.options["operator_roles"]):
        named = entry.get("callers", []) if isinstance(entry, dict) else []
        unknown = sorted(str(name) for name in named if name not in known) if isinstance(named, list) else []
        if unknown:
            raise ValueError(f"[adapters.dsmp] operator_roles[{index}] names callers that are not in [[callers]]: "
                             f"{', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return settings


def load_settings(path: Path | None = None, *, secrets: Iterable[str] = SECRETS) -> HubSettings:
    """Settings from ``path``, or the built-in development defaults when no path is given. ``secrets``: the sections
    of `SECRETS` whose environment variables are read (an unset one is a ``ConfigError``); the others' are left
    unread (None, a URL without its password), so a command that uses none of them (``onepoint stats``, ``audit
    verify``: ``secrets=()``) runs in a shell that does not hold the service's secrets."""
    wanted = frozenset(secrets)
    if unknown := wanted - SECRETS:
        raise ValueError(f"no secrets of {sorted(unknown)}: one of {sorted(SECRETS)}")
    if path is None:
        text = resources.files("hub.config").joinpath("defaults.toml").read_text("utf-8")
        return _from_mapping(tomllib.loads(text), BUILT_IN, wanted)
    return _from_mapping(read_settings_file(path), str(path), wanted)
