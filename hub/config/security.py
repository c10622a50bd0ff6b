"""``[security]`` and ``[[callers]]``: who may call the hub, with which credentials, and how sign-ins are guarded."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from hub.config.values import positive, seconds, whole_number

__all__ = ["CallerConfig", "SecuritySettings", "parse_callers", "parse_security"]

_CALLER_KEYS = frozenset({"system", "username", "password_hash", "token_hashes", "ws_password", "ws_password_env",
                          "commands"})


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


def parse_security(section: dict[str, Any], source: str) -> SecuritySettings:
    """``[security]`` (its keys were checked against the known ones by ``load_settings``)."""
    return SecuritySettings(
        replay_window_seconds=whole_number(section, "security", "replay_window_seconds", 300, source),
        nonce_cache_size=whole_number(section, "security", "nonce_cache_size", 2_000_000, source),
        nonce_store=_nonce_store(section.get("nonce_store", "memory"), source),
        sign_in_failures_per_caller=positive(section, "security", "sign_in_failures_per_caller", 5, source),
        sign_in_failures_per_address=positive(section, "security", "sign_in_failures_per_address", 20, source),
        sign_in_window_seconds=float(positive(section, "security", "sign_in_window_seconds", 60, source)),
        sign_in_tracked=positive(section, "security", "sign_in_tracked", 10_000, source),
        sign_in_refusal_delay_seconds=seconds(section, "security", "sign_in_refusal_delay_seconds", 1.0, source),
    )


def _nonce_store(value: Any, source: str) -> str:
    """``security.nonce_store``: "memory", "workflow" or a sqlite:// or postgresql URL."""
    if value in ("memory", "workflow") or (isinstance(value, str) and value.startswith(("sqlite://", "postgresql"))):
        return str(value)
    raise ValueError(f"{source}: security.nonce_store must be \"memory\", \"workflow\" (the work-order database) "
                     f"or a sqlite:// or postgresql+psycopg:// URL, not {value!r}")


def parse_callers(value: Any, source: str) -> tuple[CallerConfig, ...]:
    """``[[callers]]``: each caller's system, username and credentials; usernames unique."""
    if value is not None and not isinstance(value, list):
        raise ValueError(f"{source}: callers must be an array of tables ([[callers]])")
    callers = tuple(_caller(entry, f"{source}: callers[{i}]") for i, entry in enumerate(value or []))
    names = [caller.username for caller in callers]
    if len(set(names)) != len(names):
        raise ValueError(f"{source}: duplicate caller usernames")
    return callers


def _caller(entry: Any, where: str) -> CallerConfig:
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a table")
    try:
        system, username = str(entry["system"]), str(entry["username"])
    except KeyError as exc:
        raise ValueError(f"{where}: missing {exc.args[0]!r}") from None
    ws_password = entry.get("ws_password")
    if env := entry.get("ws_password_env"):
        ws_password = os.environ.get(str(env))
        if ws_password is None:
            raise ValueError(f"{where}: environment variable {env} (ws_password_env) is not set")
    if unknown := set(entry) - _CALLER_KEYS:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    return CallerConfig(
        system=system,
        username=username,
        password_hash=entry.get("password_hash"),
        token_hashes=tuple(entry.get("token_hashes", ())),
        ws_password=ws_password,
        commands=tuple(entry.get("commands", ())),
    )
