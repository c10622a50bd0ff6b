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
every error names its route. A content predicate on a fact none of its route's commands can carry (``area`` on
``crm.NotifyAccountManager``, which has no ``AreaCode``) is refused: that route could never match.

A route and its decision are `hub.routing.routes`; the check of one ``[[routes]]`` entry `hub.routing.route_entries`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from hub.envelope import Envelope
from hub.routing.route_entries import TIERS, carried_facts, check_route
from hub.routing.routes import BROADCAST, DEFAULT_CACHE_SIZE, Route, RouteDecision
from hub.validation.command_sets import CommandSetRegistry

__all__ = ["BROADCAST", "DEFAULT_CACHE_SIZE", "TIERS", "NoRouteError", "Route", "RouteDecision", "RoutingTable",
           "RoutingTableError"]


class RoutingTableError(ValueError):
    """The table cannot be used; the message names the file and every bad route."""


class NoRouteError(LookupError):
    """No route takes this command: a configuration error, never silently dropped."""


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
    def load(cls, path: Path | None, *, consumers: Iterable[str], command_types: Iterable[str],
             registry: CommandSetRegistry | None = None) -> RoutingTable:
        """Load and check a table (the built-in default when ``path`` is None); the facts each command type can
        carry are read from ``registry``'s schemas (default: the installed command sets)."""
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
        return cls.from_mapping(data, source, consumers=set(consumers), command_types=list(command_types),
                                registry=registry)

    @classmethod
    def from_mapping(
        cls, data: dict[str, Any], source: str, *, consumers: set[str], command_types: list[str],
        registry: CommandSetRegistry | None = None,
    ) -> RoutingTable:
        errors: list[str] = []
        routes: list[Route] = []
        unknown_top = set(data) - {"routes"}
        if unknown_top:
            errors.append(f"unknown top-level keys {sorted(unknown_top)}")
        names: set[str] = set()
        carried = carried_facts(registry)
        for index, entry in enumerate(data.get("routes", [])):
            route, problems = check_route(entry, index, consumers, command_types, carried)
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
