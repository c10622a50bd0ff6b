"""Hub settings: a TOML file, or the built-in development defaults shipped with the package."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hub.validation.parser import ParserLimits

__all__ = ["CallerConfig", "ConfigError", "HubSettings", "SecuritySettings", "load_settings"]


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
    nonce_cache_size: int = 100_000


@dataclass(frozen=True, slots=True)
class HubSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    limits: ParserLimits = field(default_factory=ParserLimits)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    callers: tuple[CallerConfig, ...] = ()
    broker_url: str = "memory://"
    topology_prefix: str = "onepoint"
    routing_file: Path | None = None
    source: str = "built-in defaults"

    @property
    def uses_development_credentials(self) -> bool:
        return self.source == "built-in defaults"


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


def _from_mapping(data: dict[str, Any], source: str) -> HubSettings:
    server, limits, security = data.get("server", {}), data.get("limits", {}), data.get("security", {})
    callers = tuple(_caller(c, f"{source}: callers[{i}]") for i, c in enumerate(data.get("callers", [])))
    names = [c.username for c in callers]
    if len(set(names)) != len(names):
        raise ConfigError(f"{source}: duplicate caller usernames")
    try:
        return HubSettings(
            host=str(server.get("host", "127.0.0.1")),
            port=int(server.get("port", 8000)),
            limits=ParserLimits(
                max_bytes=int(limits.get("max_body_bytes", 1_048_576)), max_depth=int(limits.get("max_depth", 64))
            ),
            security=SecuritySettings(
                replay_window_seconds=int(security.get("replay_window_seconds", 300)),
                nonce_cache_size=int(security.get("nonce_cache_size", 100_000)),
            ),
            callers=callers,
            broker_url=str(data.get("broker", {}).get("url", "memory://")),
            topology_prefix=str(data.get("broker", {}).get("prefix", "onepoint")),
            routing_file=_relative(data.get("routing", {}).get("file"), source),
            source=source,
        )
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_settings(path: Path | None = None) -> HubSettings:
    """Settings from ``path``, or the built-in development defaults when no path is given."""
    if path is None:
        text = resources.files("hub.config").joinpath("defaults.toml").read_text("utf-8")
        return _from_mapping(tomllib.loads(text), "built-in defaults")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return _from_mapping(data, str(path))
