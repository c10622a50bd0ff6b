"""Hub settings: a TOML file, or the built-in development defaults shipped with the package."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hub.config.adapters import AdapterSettings, parse_adapters
from hub.config.bulletin import BulletinSettings, parse_bulletin
from hub.config.runtime import DEFAULT_GC_YOUNG_THRESHOLD
from hub.config.workflow import WorkflowSettings, parse_workflow
from hub.transport.topology import DelayTier, TopologyConfig
from hub.transport.urls import BrokerURLError, node_urls, scheme
from hub.validation.parser import DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT, ParserLimits

__all__ = [
    "AdapterSettings",
    "BulletinSettings",
    "CallerConfig",
    "ConfigError",
    "HubSettings",
    "SecuritySettings",
    "WorkflowSettings",
    "load_settings",
]


DEFAULT_DELAY_TIERS = TopologyConfig().delay_tiers


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file and the bad entry."""


@dataclass(frozen=True, slots=True)
class CallerConfig:
    """One source system allowed to call the hub, its credentials and the commands it may send."""

    system: str
    username: str
    password_hash: str | None = None
    token_hashes: tuple[str, ...] = ()
    ws_password: str | None = None
    commands: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    replay_window_seconds: int = 300
    nonce_cache_size: int = 2_000_000
    # where WS-Security nonces are remembered: "memory" (this process), "workflow" ([workflow] database) or a
    # database URL (sqlite:///…, postgresql+psycopg://…): several hub processes need a shared one
    nonce_store: str = "memory"
    # failed sign-ins (hub.security.throttle): a burst of this many, then one per window / limit
    sign_in_failures_per_caller: int = 5
    sign_in_failures_per_address: int = 20
    sign_in_window_seconds: float = 60.0
    sign_in_tracked: int = 10_000
    sign_in_refusal_delay_seconds: float = 1.0  # a throttled refusal is answered this late (a flood slows down)


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """The SMS-log audit trail (hub.audit): where the log lives and where its key comes from (never beside it)."""

    path: Path = Path("onepoint-audit.db")
    key_env: str | None = "ONEPOINT_AUDIT_KEY"
    key_file: Path | None = None
    development_key: bool = False  # the built-in defaults only: a public key, for development


@dataclass(frozen=True, slots=True)
class HubSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    # [server] public_url: the base URL clients reach the hub at (the WSDL's soap:address); None: `hub_url`
    public_url: str | None = None
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
    source: str = "built-in defaults"

    def adapter(self, system: str) -> AdapterSettings:
        """The ``[adapters.<system>]`` section; ``ConfigError`` if the settings have none."""
        for found in self.adapters:
            if found.system == system:
                return found
        raise ConfigError(f"{self.source}: no [adapters.{system}] section")

    @property
    def hub_url(self) -> str:
        """The hub's public base URL, without a trailing slash: ``[server] public_url``, else
        ``http://<host>:<port>`` of the server settings (``onepoint serve`` sets the port it really bound)."""
        if self.public_url is not None:
            return self.public_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def uses_development_credentials(self) -> bool:
        return self.source == "built-in defaults"

    @property
    def topology(self) -> TopologyConfig:
        """Exchange and queue names, delay tiers and limits of the backbone."""
        return TopologyConfig(prefix=self.topology_prefix, delay_tiers=self.delay_tiers,
                              delivery_limit=self.delivery_limit, max_length=self.max_queue_length)


_DURATION = re.compile(r"^([1-9][0-9]*)(ms|s|m|h)$")
_UNIT_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000}


def _delay_tiers(value: Any, source: str) -> tuple[DelayTier, ...]:
    """``["5s", "30s", "5m"]``: one delay tier per duration, named by it, shortest first."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: broker.delay_tiers must be a list of durations such as [\"5s\", \"30s\"]")
    tiers = []
    for text in value:
        match = _DURATION.match(text)
        if match is None:
            raise ConfigError(f"{source}: broker.delay_tiers: {text!r} is not a duration (e.g. 500ms, 5s, 5m, 1h)")
        tiers.append(DelayTier(text, int(match.group(1)) * _UNIT_MS[match.group(2)]))
    if [t.ttl_ms for t in tiers] != sorted({t.ttl_ms for t in tiers}):
        raise ConfigError(f"{source}: broker.delay_tiers must grow strictly: {value}")
    return tuple(tiers)


def _broker_url(value: Any, source: str) -> str:
    """``broker.url``: ``memory://`` or ``amqp[s]://user:pass@host:port[,host:port...]/vhost`` (a cluster's nodes)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{source}: broker.url must be a URL such as amqp://user:pass@127.0.0.1:5672/%2F")
    try:
        if scheme(value) != "memory":
            node_urls(value)
    except BrokerURLError as exc:
        raise ConfigError(f"{source}: broker.url: {exc}") from None
    return value


def _caller(entry: dict[str, Any], where: str) -> CallerConfig:
    try:
        system, username = str(entry["system"]), str(entry["username"])
    except KeyError as exc:
        raise ConfigError(f"{where}: missing {exc.args[0]!r}") from None
    ws_password = entry.get("ws_password")
    if env := entry.get("ws_password_env"):
        ws_password = os.environ.get(str(env))
        if ws_password is None:
            raise ConfigError(f"{where}: environment variable {env} (ws_password_env) is not set")
    unknown = set(entry) - {
        "system", "username", "password_hash", "token_hashes", "ws_password", "ws_password_env", "commands"
    }
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    return CallerConfig(
        system=system,
        username=username,
        password_hash=entry.get("password_hash"),
        token_hashes=tuple(entry.get("token_hashes", ())),
        ws_password=ws_password,
        commands=tuple(entry.get("commands", ())),
    )


def _relative(value: Any, source: str) -> Path | None:
    """A path from the settings file, relative to that file's folder."""
    if value is None:
        return None
    path = Path(str(value))
    if path.is_absolute() or source == "built-in defaults":
        return path
    return Path(source).parent / path


def _positive(section: dict[str, Any], key: str, default: int, source: str) -> int:
    """A positive whole number of the [security] section."""
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{source}: security.{key} must be a positive whole number, not {value!r}")
    return value


def _seconds(section: dict[str, Any], key: str, default: float, source: str) -> float:
    """A number of seconds (0 or more) of the [security] section."""
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{source}: security.{key} must be a number of seconds (0 or more), not {value!r}")
    return float(value)


_URL_FORBIDDEN = frozenset(' "<>\\^`{|}')


def _nonce_store(value: Any, source: str) -> str:
    """``security.nonce_store``: "memory", "workflow" or a sqlite:// or postgresql URL."""
    if value in ("memory", "workflow") or (isinstance(value, str) and value.startswith(("sqlite://", "postgresql"))):
        return str(value)
    raise ConfigError(f"{source}: security.nonce_store must be \"memory\", \"workflow\" (the work-order database) "
                      f"or a sqlite:// or postgresql+psycopg:// URL, not {value!r}")


def _public_url(value: Any, source: str) -> str | None:
    """``server.public_url``: ``http[s]://host[:port][/path]``, no credentials, query or fragment; kept without
    its trailing slash (the SOAP addresses are ``<public_url>/soap/<set>``)."""
    if value is None:
        return None
    problem = _url_problem(value) if isinstance(value, str) else "must be a string"
    if problem is None:
        return str(value).rstrip("/")
    raise ConfigError(f"{source}: server.public_url {problem}, such as \"https://hub.example.com\", not {value!r}")


def _url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the hub's public base URL (None: it can)."""
    if any(char in _URL_FORBIDDEN or not char.isprintable() for char in url):
        return "must not contain spaces, quotes or control characters"
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in 0-65535)
    except ValueError:
        return "must have a valid port"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http:// or https:// URL"
    if parts.username is not None or parts.query or parts.fragment or url.endswith(("?", "#")):
        return "must not carry credentials, a query or a fragment"
    return None


def _audit(section: Any, source: str) -> AuditSettings:
    """``[audit]``: path (relative to the settings file), key_env or key_file, development_key."""
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: [audit] must be a table")
    if unknown := set(section) - {"path", "key_env", "key_file", "development_key"}:
        raise ConfigError(f"{source}: unknown keys in [audit]: {sorted(unknown)}")
    for key in ("path", "key_env", "key_file"):
        if key in section and (not isinstance(section[key], str) or not section[key].strip()):
            raise ConfigError(f"{source}: audit.{key} must be a non-empty string")
    development_key = section.get("development_key", False)
    if not isinstance(development_key, bool):
        raise ConfigError(f"{source}: audit.development_key must be true or false")
    return AuditSettings(
        path=_relative(section.get("path", "onepoint-audit.db"), source) or Path("onepoint-audit.db"),
        key_env=section.get("key_env", "ONEPOINT_AUDIT_KEY"),
        key_file=_relative(section.get("key_file"), source),
        development_key=development_key,
    )


_SECTIONS: dict[str, frozenset[str] | None] = {  # None: the section's own parser checks its keys
    "server": frozenset({"host", "port", "public_url"}),
    "limits": frozenset({"max_body_bytes", "max_depth", "max_attributes_per_element", "max_attributes"}),
    "security": frozenset({"replay_window_seconds", "nonce_cache_size", "nonce_store", "sign_in_failures_per_caller",
                           "sign_in_failures_per_address", "sign_in_window_seconds", "sign_in_tracked",
                           "sign_in_refusal_delay_seconds"}),
    "routing": frozenset({"file"}),
    "broker": None, "runtime": None, "callers": None, "adapters": None, "audit": None, "bulletin": None,
    "workflow": None,
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


def _integer(section: dict[str, Any], name: str, key: str, default: int, source: str) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{source}: {name}.{key} must be a whole number, not {value!r}")
    return value


def _from_mapping(data: dict[str, Any], source: str) -> HubSettings:
    _check_sections(data, source)
    server, limits, security = data.get("server", {}), data.get("limits", {}), data.get("security", {})
    broker, runtime = data.get("broker", {}), data.get("runtime", {})
    if unknown_runtime := set(runtime) - {"gc_young_threshold"}:
        raise ConfigError(f"{source}: unknown keys in [runtime]: {sorted(unknown_runtime)}")
    gc_threshold = int(runtime.get("gc_young_threshold", DEFAULT_GC_YOUNG_THRESHOLD))
    if gc_threshold < 0:
        raise ConfigError(f"{source}: runtime.gc_young_threshold must be 0 (Python's default) or positive")
    unknown_broker = set(broker) - {"url", "prefix", "delay_tiers", "delivery_limit", "max_queue_length"}
    if unknown_broker:
        raise ConfigError(f"{source}: unknown keys in [broker]: {sorted(unknown_broker)}")
    tiers = _delay_tiers(broker["delay_tiers"], source) if "delay_tiers" in broker else DEFAULT_DELAY_TIERS
    broker_url = _broker_url(broker.get("url", "memory://"), source)
    callers = tuple(_caller(c, f"{source}: callers[{i}]") for i, c in enumerate(data.get("callers", [])))
    names = [c.username for c in callers]
    if len(set(names)) != len(names):
        raise ConfigError(f"{source}: duplicate caller usernames")
    try:
        return HubSettings(
            host=str(server.get("host", "127.0.0.1")),
            port=_integer(server, "server", "port", 8000, source),
            public_url=_public_url(server.get("public_url"), source),
            limits=ParserLimits(
                max_bytes=_integer(limits, "limits", "max_body_bytes", 1_048_576, source),
                max_depth=_integer(limits, "limits", "max_depth", 64, source),
                max_attributes_per_element=_integer(limits, "limits", "max_attributes_per_element",
                                                    DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT, source),
                max_attributes=_integer(limits, "limits", "max_attributes", DEFAULT_MAX_ATTRIBUTES, source),
            ),
            security=SecuritySettings(
                replay_window_seconds=_integer(security, "security", "replay_window_seconds", 300, source),
                nonce_cache_size=_integer(security, "security", "nonce_cache_size", 2_000_000, source),
                nonce_store=_nonce_store(security.get("nonce_store", "memory"), source),
                sign_in_failures_per_caller=_positive(security, "sign_in_failures_per_caller", 5, source),
                sign_in_failures_per_address=_positive(security, "sign_in_failures_per_address", 20, source),
                sign_in_window_seconds=float(_positive(security, "sign_in_window_seconds", 60, source)),
                sign_in_tracked=_positive(security, "sign_in_tracked", 10_000, source),
                sign_in_refusal_delay_seconds=_seconds(security, "sign_in_refusal_delay_seconds", 1.0, source),
            ),
            callers=callers,
            broker_url=broker_url,
            topology_prefix=str(broker.get("prefix", "onepoint")),
            delay_tiers=tiers,
            delivery_limit=int(broker.get("delivery_limit", 10)),
            max_queue_length=None if broker.get("max_queue_length") is None else int(broker["max_queue_length"]),
            routing_file=_relative(data.get("routing", {}).get("file"), source),
            gc_young_threshold=gc_threshold,
            adapters=parse_adapters(data.get("adapters"), source),
            audit=_audit(data.get("audit", {}), source),
            bulletin=parse_bulletin(data.get("bulletin"), source),
            workflow=parse_workflow(data.get("workflow"), source),
            source=source,
        )
    except ValueError as exc:
        message = str(exc)
        raise ConfigError(message if message.startswith(f"{source}:") else f"{source}: {message}") from None


def load_settings(path: Path | None = None) -> HubSettings:
    """Settings from ``path``, or the built-in development defaults when no path is given."""
    if path is None:
        text = resources.files("hub.config").joinpath("defaults.toml").read_text("utf-8")
        return _from_mapping(tomllib.loads(text), "built-in defaults")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                          "save the settings file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return _from_mapping(data, str(path))
