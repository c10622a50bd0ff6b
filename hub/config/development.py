"""The published development credentials, found in any settings: the built-in defaults or a settings file that
carries them (``hub/config/defaults.toml`` copied as the start of one's ``hub.toml``).

A caller uses a development credential when its ``password_hash``, one of its ``token_hashes`` or its
``ws_password`` is one of those the built-in defaults give their ``[[callers]]`` (any caller's: the README publishes
them all). The stored forms are compared as they are, never re-hashed (an scrypt check per caller would cost a
start a noticeable time): a development password hashed again with a fresh salt is not recognised, while a
development token hashed again is (its SHA-256 digest is always the same). No secret value is ever returned.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from hub.config.security import CallerConfig, parse_callers
from hub.config.values import BUILT_IN

__all__ = ["DevelopmentCaller", "development_callers", "development_callers_warning"]

PASSWORD, TOKEN, WS_PASSWORD = "password", "token", "WS-Security password"  # which credential, never its value


@dataclass(frozen=True, slots=True)
class DevelopmentCaller:
    """A caller of the settings accepting a published development credential: who, and which of its credentials."""

    system: str
    username: str
    credentials: tuple[str, ...]  # PASSWORD, TOKEN, WS_PASSWORD: the kinds, no value

    def __str__(self) -> str:
        return f"{self.system} ({self.username}: {', '.join(self.credentials)})"


@dataclass(frozen=True, slots=True)
class _Published:
    password_hashes: frozenset[str]
    token_hashes: frozenset[str]
    ws_passwords: frozenset[str]


@cache
def _published() -> _Published:
    """The credentials of the built-in defaults' ``[[callers]]``, read once from the packaged ``defaults.toml``."""
    text = resources.files("hub.config").joinpath("defaults.toml").read_text("utf-8")
    callers = parse_callers(tomllib.loads(text).get("callers"), BUILT_IN)
    return _Published(
        password_hashes=frozenset(c.password_hash for c in callers if c.password_hash is not None),
        token_hashes=frozenset(digest for c in callers for digest in c.token_hashes),
        ws_passwords=frozenset(c.ws_password for c in callers if c.ws_password is not None),
    )


def _published_credentials(caller: CallerConfig, published: _Published) -> tuple[str, ...]:
    found = []
    if caller.password_hash is not None and caller.password_hash in published.password_hashes:
        found.append(PASSWORD)
    if any(digest in published.token_hashes for digest in caller.token_hashes):
        found.append(TOKEN)
    if caller.ws_password is not None and caller.ws_password in published.ws_passwords:
        found.append(WS_PASSWORD)
    return tuple(found)


def development_callers(callers: Iterable[CallerConfig]) -> tuple[DevelopmentCaller, ...]:
    """The ``callers`` that accept a published development credential, in their order, each with which ones."""
    published = _published()
    found = ((caller, _published_credentials(caller, published)) for caller in callers)
    return tuple(DevelopmentCaller(caller.system, caller.username, kinds) for caller, kinds in found if kinds)


def development_callers_warning(source: str, callers: Iterable[DevelopmentCaller]) -> str:
    """One line for the log: which callers of the settings file ``source`` accept the published development
    credentials, and what to do about it (no secret in it)."""
    named = "; ".join(str(caller) for caller in callers)
    return (f"{source} gives callers the published DEVELOPMENT credentials of hub/config/defaults.toml (see "
            f"README), which anyone can use to call as them: {named}; give each its own (`onepoint hash-password`, "
            "`onepoint hash-token`, ws_password_env)")
