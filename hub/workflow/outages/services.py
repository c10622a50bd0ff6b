"""Which complaint categories an outage of which service explains: ``outage_services.toml``, checked at start.

Each NSP service (``nsp:AffectedService``) lists category codes of the taxonomy; a code covers itself and every
category below it, ``exclude`` takes codes back. Loading names every problem at once (an unknown service, a service
left out, a code the taxonomy does not have, a malformed entry) in one ``DataFileError``, as the SLA table does.
The result answers ``services_of(category_code)`` from a table built once for every code of the taxonomy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hub.workflow.datafile import Problems, packaged, read_toml
from hub.workflow.taxonomy import Taxonomy
from hub.workflow.taxonomy.model import CODE_PATTERN

__all__ = ["AFFECTED_SERVICES", "OutageServices", "covers", "load_outage_services", "parse_outage_services"]

log = logging.getLogger("onepoint.workflow.outages")

# nsp:AffectedService of schemas/nsp.xsd, in its order (a unit test keeps the two equal).
AFFECTED_SERVICES = ("VOICE", "SMS", "MMS", "DATA", "VOLTE", "ROAMING", "VIDEO_CALL", "WLAN", "VALUE_ADDED",
                     "BROADBAND")
_SERVICE_KEYS = {"categories", "exclude"}


def covers(prefix: str, code: str) -> bool:
    """Whether ``prefix`` is ``code`` or a category above it (whole levels: ``01.02`` covers ``01.02.03``, not
    ``01.020``)."""
    return code == prefix or code.startswith(prefix + ".")


@dataclass(frozen=True)
class OutageServices:
    """The checked data: per service its category codes and exclusions, and per taxonomy code its services."""

    categories: Mapping[str, tuple[str, ...]]
    excluded: Mapping[str, tuple[str, ...]]
    by_category: Mapping[str, frozenset[str]]
    version: str
    source: str = "<memory>"

    def services_of(self, category_code: str) -> frozenset[str]:
        """The services whose outage explains a complaint of ``category_code`` (empty: none does)."""
        found = self.by_category.get(category_code)
        return found if found is not None else self._compute(category_code)

    def explains(self, services: Iterable[str], category_code: str) -> bool:
        """Whether an outage of any of ``services`` explains a complaint of ``category_code``."""
        return not self.services_of(category_code).isdisjoint(services)

    def _compute(self, code: str) -> frozenset[str]:
        return frozenset(
            service for service, prefixes in self.categories.items()
            if any(covers(p, code) for p in prefixes) and not any(covers(x, code) for x in self.excluded[service]))


def load_outage_services(path: Path | str | None, taxonomy: Taxonomy) -> OutageServices:
    """Load and check the data file (None: the packaged ``hub/workflow/data/outage_services.toml``)."""
    source = Path(path) if path is not None else packaged("outage_services.toml")
    document, version = read_toml(source)
    services = parse_outage_services(document, taxonomy, version, str(source))
    log.info("outage services loaded", extra={"source": str(source), "version": version,
                                              "categories": sum(1 for s in services.by_category.values() if s)})
    return services


def parse_outage_services(document: Mapping[str, Any], taxonomy: Taxonomy, version: str = "",
                          source: str = "<memory>") -> OutageServices:
    """Check a parsed document against the taxonomy; raises ``DataFileError`` naming every problem."""
    problems = Problems(source)
    for key in sorted(set(document) - {"services"}):
        problems.add(key, "unknown key (allowed: services)")
    table = document.get("services")
    if not isinstance(table, dict):
        problems.add("services", "missing or not a table")
        table = {}
    categories: dict[str, tuple[str, ...]] = {}
    excluded: dict[str, tuple[str, ...]] = {}
    for service, entry in table.items():
        key = f"services.{service}"
        if service not in AFFECTED_SERVICES:
            problems.add(key, f"unknown service (nsp:AffectedService: {', '.join(AFFECTED_SERVICES)})")
            continue
        if not isinstance(entry, dict):
            problems.add(key, "must be a table with `categories` (and `exclude`)")
            continue
        for name in sorted(set(entry) - _SERVICE_KEYS):
            problems.add(f"{key}.{name}", "unknown key (allowed: categories, exclude)")
        if "categories" not in entry:
            problems.add(f"{key}.categories", "missing (write `categories = []` when none applies)")
        categories[service] = _codes(problems, f"{key}.categories", entry.get("categories", []), taxonomy)
        excluded[service] = _codes(problems, f"{key}.exclude", entry.get("exclude", []), taxonomy)
        for code in excluded[service]:
            if not any(covers(prefix, code) for prefix in categories[service]):
                problems.add(f"{key}.exclude", f"{code} is not under any of the service's categories")
    for service in AFFECTED_SERVICES:
        if service not in table:
            problems.add(f"services.{service}", "missing: every service needs its entry (`categories = []`: none)")
    problems.raise_if_any()
    empty = OutageServices(MappingProxyType(categories), MappingProxyType(excluded), MappingProxyType({}), version,
                           source)
    by_category = {category.code: empty.services_of(category.code) for category in taxonomy}
    return OutageServices(empty.categories, empty.excluded, MappingProxyType(by_category), version, source)


def _codes(problems: Problems, key: str, value: Any, taxonomy: Taxonomy) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        problems.add(key, f"must be a list of category codes, got {value!r}")
        return ()
    codes: list[str] = []
    for code in value:
        if not CODE_PATTERN.fullmatch(code):
            problems.add(key, f"{code!r} is not a category code like 01, 01.02, 01.02.03 or 01.02.03.004")
        elif code not in taxonomy:
            problems.add(key, f"{code} is not a category of the taxonomy")
        elif code in codes:
            problems.add(key, f"{code} appears twice")
        else:
            codes.append(code)
    return tuple(codes)
