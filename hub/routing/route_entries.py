"""One ``[[routes]]`` entry of a routing table file, checked into a `Route` (`hub.routing.table` loads the file):
its keys, command type patterns (each must match an installed command type), targets, predicates (a ``tier``
pattern must match a customer tier), ``final``, and a request route's ``reply_timeout``, ``cache_ttl`` and
``cache_size``; every problem is reported, none stops the check.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from hub.routing.routes import BROADCAST, DEFAULT_CACHE_SIZE, Route
from hub.validation.audited import audited_command_types

__all__ = ["PREDICATES", "TIERS", "check_route"]

PREDICATES = ("source", "category", "tier", "area")
TIERS = ("VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER", "GROUP_KEY_PERSON", "GROUP_MEMBER", "LONG_DISTANCE_ROAMING",
         "CONTRACT", "PREPAID", "SHENZHOUXING", "OTHER_BRAND")


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def check_route(
    entry: Any, index: int, consumers: set[str], command_types: list[str]
) -> tuple[Route | None, list[str]]:
    if not isinstance(entry, dict):
        return None, [f"entry {index} is not a table"]
    problems: list[str] = []
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        problems.append("a name is required")
        name = f"#{index}"
    unknown = set(entry) - {"name", "commands", "to", "when", "final", "reply_timeout", "cache_ttl", "cache_size"}
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    commands, to = _strings(entry.get("commands")), _strings(entry.get("to"))
    if commands is None:
        problems.append("'commands' must be a command type pattern or a list of them")
    else:
        problems += [f"{p!r} matches no command type" for p in commands
                     if not any(fnmatch.fnmatchcase(c, p) for c in command_types)]
    if to is None:
        problems.append("'to' must name one or more targets")
    else:
        problems += [f"unknown target {t!r}; targets: {', '.join(sorted(consumers | {BROADCAST}))}"
                     for t in to if t not in consumers and t != BROADCAST]
    when: list[tuple[str, tuple[str, ...]]] = []
    raw_when = entry.get("when", {})
    if not isinstance(raw_when, dict):
        problems.append("'when' must be a table")
        raw_when = {}
    for key, value in raw_when.items():
        patterns = _strings(value)
        if key not in PREDICATES:
            problems.append(f"unknown predicate {key!r}; predicates: {', '.join(PREDICATES)}")
        elif patterns is None:
            problems.append(f"predicate {key!r} needs a pattern or a list of them")
        else:
            if key == "tier":
                problems += [f"tier pattern {p!r} matches no customer tier" for p in patterns
                             if not any(fnmatch.fnmatchcase(t, p) for t in TIERS)]
            when.append((key, patterns))
    final = entry.get("final", False)
    if not isinstance(final, bool):
        problems.append("'final' must be true or false")
    reply_timeout = entry.get("reply_timeout")
    if reply_timeout is not None:
        if isinstance(reply_timeout, bool) or not isinstance(reply_timeout, int | float) or reply_timeout <= 0:
            problems.append("'reply_timeout' must be a positive number of seconds")
            reply_timeout = None
        elif to is not None and (len(to) != 1 or to[0] == BROADCAST):
            problems.append("a request route ('reply_timeout') needs exactly one consumer in 'to'")
    timeout = None if reply_timeout is None else float(reply_timeout)
    cache_ttl, cache_size = _cache(entry, timeout, problems)
    if cache_ttl is not None and commands is not None:
        kept = sorted(c for c in audited_command_types() if any(fnmatch.fnmatchcase(c, p) for p in commands))
        if kept:
            problems.append(f"'cache_ttl' would keep the answers of audited commands ({', '.join(kept)}): an "
                            "audited answer is never kept, each query is authorized and audited (route them apart)")
    route = Route(name, commands or (), to or (), tuple(when), bool(final), timeout, cache_ttl, cache_size)
    if problems or commands is None or to is None:
        return route, problems
    return route, []


def _cache(entry: dict[str, Any], reply_timeout: float | None, problems: list[str]) -> tuple[float | None, int]:
    """A request route's ``cache_ttl`` and ``cache_size`` (checked; problems appended)."""
    ttl, size = entry.get("cache_ttl"), entry.get("cache_size")
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or ttl <= 0:
            problems.append("'cache_ttl' must be a positive number of seconds")
            ttl = None
        elif reply_timeout is None and "reply_timeout" not in entry:
            problems.append("'cache_ttl' caches answers: it needs a request route ('reply_timeout')")
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            problems.append("'cache_size' must be a whole number of answers, at least 1")
            size = None
        elif entry.get("cache_ttl") is None:
            problems.append("'cache_size' needs a 'cache_ttl'")
    return (None if ttl is None else float(ttl)), (DEFAULT_CACHE_SIZE if size is None else size)
