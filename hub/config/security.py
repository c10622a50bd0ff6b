"""``[security]`` and ``[[callers]]``: who may call the hub, with which credentials, and how sign-ins are guarded."""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from typing import Any

from hub.config.values import LONGEST_WAIT_SECONDS, database_choice, positive, seconds, whole_number

__all__ = ["CallerConfig", "SecuritySettings", "parse_callers", "parse_security"]

_HUB_SYSTEM = "HUB"  # hub.envelope.HUB_SYSTEM: the hub's own source system, never a caller's
_CALLER_KEYS = frozenset({"system", "username", "password_hash", "token_hashes", "ws_password", "ws_password_env",
                          "commands"})
_SHORTEST_REPLAY_WINDOW = 30  # seconds
_TOKEN_HASH = re.compile(r"sha256\$[0-9a-f]{64}")


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
    # a WS-Security PasswordText token (WCF's) is taken from a request that came over HTTPS (hub.soap.wsse)
    password_text_over_tls: bool = False


def parse_security(section: dict[str, Any], source: str) -> SecuritySettings:
    """``[security]`` (its keys were checked against the known ones by ``load_settings``)."""
    return SecuritySettings(
        # a token's Created is written to the second and clocks drift: a shorter window refuses honest tokens
        replay_window_seconds=whole_number(section, "security", "replay_window_seconds", 300, source,
                                           minimum=_SHORTEST_REPLAY_WINDOW, maximum=int(LONGEST_WAIT_SECONDS)),
        nonce_cache_size=positive(section, "security", "nonce_cache_size", 2_000_000, source),
        nonce_store=_nonce_store(section.get("nonce_store", "memory"), source),
        sign_in_failures_per_caller=positive(section, "security", "sign_in_failures_per_caller", 5, source),
        sign_in_failures_per_address=positive(section, "security", "sign_in_failures_per_address", 20, source),
        sign_in_window_seconds=float(whole_number(section, "security", "sign_in_window_seconds", 60, source,
                                                  minimum=1, maximum=int(LONGEST_WAIT_SECONDS))),
        sign_in_tracked=positive(section, "security", "sign_in_tracked", 10_000, source),
        sign_in_refusal_delay_seconds=seconds(section, "security", "sign_in_refusal_delay_seconds", 1.0, source,
                                              most=60.0),  # a refusal held longer only ties up connections
        password_text_over_tls=_switch(section, "password_text_over_tls", source),
    )


def _switch(section: dict[str, Any], key: str, source: str) -> bool:
    """``security.<key>``: true or false (a string such as "true" is refused, not read as true)."""
    value = section.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{source}: security.{key} must be true or false, not {value!r}")
    return value


def _nonce_store(value: Any, source: str) -> str:
    """``security.nonce_store``: "memory", "workflow" or a sqlite:// or postgresql URL."""
    return database_choice(value, "security.nonce_store", ("memory", "workflow"), "\"memory\", \"workflow\" (the "
                           "work-order database) or a sqlite:// or postgresql+psycopg:// URL", source)


def parse_callers(value: Any, source: str, *, secrets: bool = True) -> tuple[CallerConfig, ...]:
    """``[[callers]]``: each caller's system, username and credentials; usernames unique. ``secrets=False``: a
    ``ws_password_env`` is not read (``ws_password`` None), for a command that never checks a WS-Security token."""
    if value is not None and not isinstance(value, list):
        raise ValueError(f"{source}: callers must be an array of tables ([[callers]])")
    callers = tuple(_caller(entry, f"{source}: callers[{i}]", secrets) for i, entry in enumerate(value or []))
    names = [caller.username for caller in callers]
    if len(set(names)) != len(names):
        raise ValueError(f"{source}: duplicate caller usernames")
    return callers


def _caller(entry: Any, where: str, secrets: bool) -> CallerConfig:
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a table")
    if unknown := set(entry) - _CALLER_KEYS:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("system", "username"):
        if key not in entry:
            raise ValueError(f"{where}: missing {key!r}")
    if str(entry["system"]).upper() == _HUB_SYSTEM:
        raise ValueError(f"{where}.system: {entry['system']!r} is the hub's own system (what it sends itself: "
                         "its notes of NSP's answers, its follow-up commands); a caller is another system")
    ws_password = _optional_text(entry, "ws_password", where)
    if (env := _optional_text(entry, "ws_password_env", where)) and secrets:
        ws_password = os.environ.get(env)
        if ws_password is None:
            raise ValueError(f"{where}: environment variable {env} (ws_password_env) is not set")
        if not ws_password:  # an unfilled secret: anyone knowing the username would sign in with ""
            raise ValueError(f"{where}: environment variable {env} (ws_password_env) is empty: set it to the "
                             "caller's WS-Security secret")
    return CallerConfig(
        system=_text(entry, "system", where),
        username=_text(entry, "username", where),
        password_hash=_password_hash(entry.get("password_hash"), where),
        token_hashes=tuple(_token_hash(item, f"{where}.token_hashes[{i}]")
                           for i, item in enumerate(_texts(entry, "token_hashes", where))),
        ws_password=ws_password,
        commands=_texts(entry, "commands", where),
    )


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    """``callers[i].key``: a non-empty string (a secret's value is never shown)."""
    value = entry[key]
    if not isinstance(value, str) or not value:
        shown = f"a {type(value).__name__}" if key == "ws_password" else repr(value)
        raise ValueError(f"{where}.{key} must be a non-empty string, not {shown}")
    return value


def _optional_text(entry: dict[str, Any], key: str, where: str) -> str | None:
    return _text(entry, key, where) if key in entry else None


def _texts(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """``callers[i].key``: a list of non-empty strings (a string alone is refused, not split into characters)."""
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{where}.{key} must be a list of non-empty strings such as [\"workorder.*\"], "
                         f"not {value!r}")
    return tuple(value)


def _password_hash(value: Any, where: str) -> str | None:
    """``callers[i].password_hash``: ``scrypt$N$r$p$salt$digest`` (``onepoint hash-password``), never a password."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where}.password_hash must be a string, the scrypt hash from `onepoint hash-password`, "
                         f"not {value!r}")
    if not _is_scrypt_hash(value):  # not shown: it may be the password itself
        raise ValueError(f"{where}.password_hash is not an scrypt hash (scrypt$N$r$p$salt$digest, from `onepoint "
                         "hash-password`); write the hash, never the password")
    return value


def _is_scrypt_hash(value: str) -> bool:
    parts = value.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(
            part.isascii() and part.isdigit() for part in parts[1:4]):
        return False
    n, r, p = (int(part) for part in parts[1:4])
    if n < 2 or n & (n - 1) or r < 1 or p < 1:
        return False
    try:
        salt, digest = (base64.b64decode(part, validate=True) for part in parts[4:])
    except binascii.Error:
        return False
    return bool(salt) and bool(digest)


def _token_hash(value: str, where: str) -> str:
    """One of ``callers[i].token_hashes``: ``sha256$<64 hex digits>`` (``onepoint hash-token``), never a token."""
    if not _TOKEN_HASH.fullmatch(value):
        raise ValueError(f"{where} must be sha256$<64 hex digits> from `onepoint hash-token`, not a token or "
                         f"another form")
    return value
