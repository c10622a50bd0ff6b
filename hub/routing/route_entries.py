"""One ``[[routes]]`` entry of a routing table file, checked into a `Route` (`hub.routing.table` loads the file):
its keys, command type patterns (each must match an installed command type), targets, predicates (a ``tier``
pattern must match a customer tier; a content predicate must read a fact at least one of the route's commands
can carry, or the route could never match), ``final``, and a request route's ``reply_timeout``, ``cache_ttl``
and ``cache_size``; every problem is reported, none stops the check.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable
from typing import Any

from hub.routing.routes import BROADCAST, CONTENT_FIELDS, DEFAULT_CACHE_SIZE, Route
from hub.validation.audited import audited_command_types
from hub.validation.command_patterns import unmatched
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.facts import fact_tags  # the validator's own walk: which elements carry a fact

__all__ = ["PREDICATES", "TIERS", "CarriedFacts", "carried_facts", "check_route"]

CarriedFacts = Callable[[str], frozenset[str] | None]
"""Command type → the routing facts its documents can carry (None: not known, the predicate is not checked)."""

PREDICATES = ("source", "category", "tier", "area")
TIERS = ("VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER", "GROUP_KEY_PERSON", "GROUP_MEMBER", "LONG_DISTANCE_ROAMING",
         "CONTRACT", "PREPAID", "SHENZHOUXING", "OTHER_BRAND")


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def carried_facts(registry: CommandSetRegistry | None = None) -> CarriedFacts:
    """Which routing facts each command type can carry, read from its XSD as the validator reads the facts of a
    document (`hub.validation.facts`); ``registry`` by default the installed command sets, read on the first
    question (a table without content predicates never asks). A command type of no set there: None."""
    known: dict[str, frozenset[str] | None] = {}
    sets: list[CommandSetRegistry] = [] if registry is None else [registry]

    def carried(command_type: str) -> frozenset[str] | None:
        if command_type not in known:
            if not sets:
                sets.append(CommandSetRegistry.installed(detailed=False))
            name, _, command = command_type.partition(".")
            command_set = sets[0].get(name) if name in sets[0] else None
            known[command_type] = (
                None if command_set is None or command not in command_set.commands
                else frozenset(fact_tags(command_set.detailed_schema.elements[command]).values())
            )
        return known[command_type]

    return carried


def _seconds(value: Any) -> bool:
    """A positive, finite number of seconds (``nan`` and ``inf``, which TOML allows, are not)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value) and value > 0


def check_route(
    entry: Any, index: int, consumers: set[str], command_types: list[str], carried: CarriedFacts | None = None
) -> tuple[Route | None, list[str]]:
    """The route of ``entry`` and its problems. With ``carried``, a content predicate (``category``, ``tier``,
    ``area``) on a fact none of the route's command types can carry is a problem: the route would never match."""
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
        problems += unmatched(commands, command_types)
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
    if commands is not None and carried is not None:
        problems += _uncarried(when, commands, command_types, carried)
    final = entry.get("final", False)
    if not isinstance(final, bool):
        problems.append("'final' must be true or false")
    reply_timeout = entry.get("reply_timeout")
    if reply_timeout is not None:
        if not _seconds(reply_timeout):
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
        if not _seconds(ttl):
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


def _uncarried(when: list[tuple[str, tuple[str, ...]]], commands: tuple[str, ...], command_types: list[str],
               carried: CarriedFacts) -> list[str]:
    """A problem per content predicate that none of the command types the route takes can carry (checked only
    when every one of them is known to ``carried``)."""
    if not any(key in CONTENT_FIELDS for key, _ in when):
        return []  # ``source`` is the envelope's sender: every command has one
    taken = [c for c in command_types if any(fnmatch.fnmatchcase(c, p) for p in commands)]
    facts = [carried(c) for c in taken]
    if not taken or any(f is None for f in facts):
        return []
    problems = []
    for key, _patterns in when:
        if key in CONTENT_FIELDS and not any(f is not None and key in f for f in facts):
            fields = " or ".join(sorted(CONTENT_FIELDS[key]))
            problems.append(f"'when' on {key!r} can never match: none of its commands ({', '.join(taken)}) carries "
                            f"the {key} fact (no {fields} element in their schema)")
    return problems
