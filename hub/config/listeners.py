"""``[workflow.listeners]``: where the event listeners' call-backs may point, how many listeners a system holds,
when one that keeps failing is parked and how many threads POST their events at most (docs/event-listeners.md; the
keys in ``hub.config.workflow``'s docstring)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from hub.config.values import whole_number

__all__ = ["MOST_DELIVERY_THREADS", "REFUSED_PATHS", "ListenerSettings", "parse_listeners"]

_TABLE = "workflow.listeners"
_LISTENER_KEYS = {"allowed_destinations", "refused_paths", "max_per_system", "park_after_failures", "delivery_threads"}
MOST_DELIVERY_THREADS = 1000  # a bound for a typo (a million threads), far above what a hub's listeners need
REFUSED_PATHS = ("/__admin/",)  # the emulators' admin API: never a listener


@dataclass(frozen=True, slots=True)
class ListenerSettings:
    """``[workflow.listeners]``: where call-backs may point and how many listeners a system holds, when a
    listener that keeps failing is parked, and the most threads that POST events at once (one a listener with a
    POST under way: past that many, listeners wait for one another's POSTs)."""

    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    allowed_host_suffixes: tuple[str, ...] = ()  # lower case, with their leading dot
    max_per_system: int = 20
    park_after_failures: int = 10
    refused_paths: tuple[str, ...] = REFUSED_PATHS  # lower case, each starting with "/"
    delivery_threads: int = 32


def _destinations(value: Any, source: str) -> tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...],
                                                     tuple[str, ...]]:
    if not isinstance(value, list) or not all(isinstance(entry, str) and entry.strip() for entry in value):
        raise ValueError(f"{source}: workflow.listeners.allowed_destinations must be a list of networks and "
                         "host-name suffixes")
    networks, suffixes = [], []
    for entry in (each.strip().lower() for each in value):
        if entry[0].isdigit() or ":" in entry:
            try:
                networks.append(ipaddress.ip_network(entry))
            except ValueError as exc:
                raise ValueError(f"{source}: workflow.listeners.allowed_destinations: {exc}") from None
        else:
            suffixes.append("." + entry.lstrip("."))
    return tuple(networks), tuple(suffixes)


def parse_listeners(section: Any, source: str) -> ListenerSettings:
    """The ``[workflow.listeners]`` table (absent: the defaults); ``ValueError`` names a bad entry."""
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise ValueError(f"{source}: [workflow.listeners] must be a table")
    if unknown := set(section) - _LISTENER_KEYS:
        raise ValueError(f"{source}: unknown keys in [workflow.listeners]: {sorted(unknown)}")
    networks, suffixes = _destinations(section.get("allowed_destinations", []), source)
    return ListenerSettings(networks, suffixes,
                            max_per_system=whole_number(section, _TABLE, "max_per_system", 20, source, minimum=1),
                            park_after_failures=whole_number(section, _TABLE, "park_after_failures", 10, source,
                                                                     minimum=1),
                            refused_paths=_paths(section.get("refused_paths", list(REFUSED_PATHS)), source),
                            delivery_threads=whole_number(section, _TABLE, "delivery_threads", 32, source, minimum=1,
                                                          maximum=MOST_DELIVERY_THREADS))


def _paths(value: Any, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(entry, str) and entry.startswith("/") for entry in value):
        raise ValueError(f"{source}: workflow.listeners.refused_paths must be a list of paths starting with '/'")
    return tuple(entry.lower() for entry in value)
