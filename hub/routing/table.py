"""The declarative routing table: which consumers get which commands, by command type and by content.

A table is a TOML file of ``[[routes]]``; every route whose ``commands`` and ``when`` match an envelope adds
its ``to`` targets (a route with ``final = true`` stops the search). Targets are consumer names of the
topology (``boss``, ``crm``, ``nsp``, ``dsmp``, ``oa``, ``workflow``) or ``broadcast`` (the fanout exchange).

```toml
[[routes]]
name = "VIP and key-person notices go to CRM"
commands = ["crm.NotifyAccountManager"]
when = { tier = ["VIP_*", "GROUP_KEY_PERSON"] }   # also: source, category, area (glob patterns)
to = ["crm"]
```

Predicates: ``source`` matches the envelope's source system; ``category`` the document's ``CategoryCode``;
``tier`` its ``Tier``/``CustomerTier``/``EffectiveTier``; ``area`` its ``AreaCode`` elements (any match).
A route with ``reply_timeout = <seconds>`` makes its commands requests: the one consumer it names answers
with the response document (``<Command>Response``), which the ingress returns to the caller. A request route
may add ``cache_ttl = <seconds>`` (and ``cache_size = <entries>``, default 10000): the ingress's router then
answers a repeat of the same request (same command, same fields after the Header) from its cache for that
long, without a broker round trip (`hub.routing.reply_cache`). Only reads should be cached, and never an
audited command's (`hub.validation.audited`): a table caching one is refused.
Content predicates read the envelope's ``facts``, read from the validated tree (`hub.validation.facts`) for
the commands `reads_facts` names: routing never parses a payload. A table is checked completely when loaded;
every error names its route.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hub.envelope import Envelope
from hub.validation.audited import audited_command_types
from hub.validation.facts import ROUTING_FACTS

__all__ = ["BROADCAST", "DEFAULT_CACHE_SIZE", "NoRouteError", "Route", "RouteDecision", "RoutingTable",
           "RoutingTableError"]

BROADCAST = "broadcast"
DEFAULT_CACHE_SIZE = 10_000  # answers a cached request route keeps at most
PREDICATES = ("source", "category", "tier", "area")
CONTENT_FIELDS = ROUTING_FACTS  # predicate → the document fields it reads
TIERS = ("VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER", "GROUP_KEY_PERSON", "GROUP_MEMBER", "LONG_DISTANCE_ROAMING",
         "CONTRACT", "PREPAID", "SHENZHOUXING", "OTHER_BRAND")


class RoutingTableError(ValueError):
    """The table cannot be used; the message names the file and every bad route."""


class NoRouteError(LookupError):
    """No route takes this command: a configuration error, never silently dropped."""


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    commands: tuple[str, ...]
    to: tuple[str, ...]
    when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    final: bool = False
    reply_timeout: float | None = None  # a request: the caller waits this long for the consumer's reply
    cache_ttl: float | None = None  # a request: its successful answers are reused this long (seconds)
    cache_size: int = DEFAULT_CACHE_SIZE  # ...at most this many of them (least recently used go first)

    @property
    def needs_content(self) -> bool:
        return any(key in CONTENT_FIELDS for key, _ in self.when)

    def takes(self, command_type: str) -> bool:
        return any(fnmatch.fnmatchcase(command_type, pattern) for pattern in self.commands)

    def matches(self, envelope: Envelope) -> bool:
        facts = envelope.facts
        for key, patterns in self.when:
            values = (envelope.source_system,) if key == "source" else facts.get(key, ())
            if not any(fnmatch.fnmatchcase(v, p) for v in values for p in patterns):
                return False
        return True


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """Where an envelope goes: its targets and, for a request, the route that made it one (its timeout and
    reply cache)."""

    targets: tuple[str, ...]
    request: Route | None = None

    @property
    def reply_timeout(self) -> float | None:
        return None if self.request is None else self.request.reply_timeout


class RoutingTable:
    def __init__(self, routes: Iterable[Route], source: str = "routing table") -> None:
        self.routes = tuple(routes)
        self.source = source
        # Decisions that depend only on (command type, source system), i.e. no content predicate applies.
        self._decided: dict[tuple[str, str], RouteDecision] = {}
        self._reads_facts: dict[str, bool] = {}

    def reads_facts(self, command_type: str) -> bool:
        """Whether a route that takes ``command_type`` has a content predicate (its envelopes need facts)."""
        known = self._reads_facts.get(command_type)
        if known is None:
            known = any(r.needs_content for r in self.routes if r.takes(command_type))
            if len(self._reads_facts) < 4096:  # bounded by the command types of the installed sets
                self._reads_facts[command_type] = known
        return known

    def targets(self, envelope: Envelope) -> tuple[str, ...]:
        """Every target of the matching routes, in table order, without repeats; `NoRouteError` if none."""
        return self.decide(envelope)[0]

    def decide(self, envelope: Envelope) -> tuple[tuple[str, ...], float | None]:
        """The targets, and the reply timeout when a matching route makes the command a request."""
        decision = self.decision(envelope)
        return decision.targets, decision.reply_timeout

    def decision(self, envelope: Envelope) -> RouteDecision:
        """The targets, and the request route when a matching route makes the command a request (the first
        matching route with a ``reply_timeout``: its timeout and cache apply)."""
        key = (envelope.command_type, envelope.source_system)
        decided = self._decided.get(key)
        if decided is not None:
            return decided
        candidates = [r for r in self.routes if r.takes(envelope.command_type)]
        needs_content = any(r.needs_content for r in candidates)
        targets: dict[str, None] = {}
        request: Route | None = None
        for route in candidates:
            if route.matches(envelope):
                targets.update(dict.fromkeys(route.to))
                if route.reply_timeout is not None and request is None:
                    request = route
                if route.final:
                    break
        if not targets:
            raise NoRouteError(f"no route in {self.source} takes {envelope.command_type}")
        if request is not None and len(targets) != 1:
            raise NoRouteError(
                f"{envelope.command_type} is a request but {self.source} routes it to {len(targets)} targets"
            )
        decision = RouteDecision(tuple(targets), request)
        if not needs_content:
            self._decided[key] = decision
        return decision

    def unrouted(self, command_types: Iterable[str]) -> list[str]:
        """Command types no unconditional route takes (they may still be routed by content)."""
        return [c for c in command_types if not any(r.takes(c) and not r.when for r in self.routes)]

    @classmethod
    def load(cls, path: Path | None, *, consumers: Iterable[str], command_types: Iterable[str]) -> RoutingTable:
        """Load and check a table (the built-in default when ``path`` is None)."""
        if path is None:
            text, source = resources.files("hub.routing").joinpath("default_routes.toml").read_text("utf-8"), (
                "built-in routes"
            )
        else:
            try:
                text, source = path.read_text("utf-8"), str(path)
            except OSError as exc:
                raise RoutingTableError(f"{path}: {exc.strerror}") from None
            except UnicodeDecodeError as exc:  # TOML is UTF-8: a table saved in GBK (say) is refused, not a crash
                raise RoutingTableError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                                        f"{exc.start}); save the table as UTF-8") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RoutingTableError(f"{source}: {exc}") from None
        return cls.from_mapping(data, source, consumers=set(consumers), command_types=list(command_types))

    @classmethod
    def from_mapping(
        cls, data: dict[str, Any], source: str, *, consumers: set[str], command_types: list[str]
    ) -> RoutingTable:
        errors: list[str] = []
        routes: list[Route] = []
        unknown_top = set(data) - {"routes"}
        if unknown_top:
            errors.append(f"unknown top-level keys {sorted(unknown_top)}")
        names: set[str] = set()
        for index, entry in enumerate(data.get("routes", [])):
            route, problems = _check(entry, index, consumers, command_types)
            if route is not None and route.name in names:
                problems.append("the name is used by an earlier route")
            errors.extend(f"route {route.name if route else index!r}: {p}" for p in problems)
            if route is not None:
                names.add(route.name)
                routes.append(route)
        if not routes and not errors:
            errors.append("no routes")
        if errors:
            raise RoutingTableError(f"{source}: " + "; ".join(errors))
        return cls(routes, source)


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _check(
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
