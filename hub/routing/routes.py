"""A route of the routing table (`hub.routing.table`) and the decision it makes: which command types it takes
(glob patterns), whether an envelope matches its content predicates (the envelope's ``facts``), and where the
matching routes send the envelope (``RouteDecision``: its targets, and the route that makes it a request).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from hub.envelope import Envelope
from hub.validation.facts import ROUTING_FACTS

__all__ = ["BROADCAST", "CONTENT_FIELDS", "DEFAULT_CACHE_SIZE", "Route", "RouteDecision"]

BROADCAST = "broadcast"
DEFAULT_CACHE_SIZE = 10_000  # answers a cached request route keeps at most
CONTENT_FIELDS = ROUTING_FACTS  # predicate → the document fields it reads


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
