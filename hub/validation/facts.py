"""Routing facts: the few document fields the routing table's content predicates read.

They are read from the validated tree (`ValidatedCommand.routing_facts`), never by parsing a payload again,
and only when asked: the walk costs a few µs and most commands meet no content predicate (bench/README.md).
Which elements of a command can hold a fact is read from its XSD once; a command that holds none costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import xmlschema
from lxml import etree

from hub.validation.command_sets import CommandSet

__all__ = ["NO_FACTS", "ROUTING_FACTS", "FactReader", "Facts", "fact_tags", "read_facts"]

Facts = Mapping[str, tuple[str, ...]]
"""Fact name → the values found in the document, in document order (a fact may occur several times)."""

ROUTING_FACTS: Mapping[str, frozenset[str]] = MappingProxyType({
    "category": frozenset({"CategoryCode"}),
    "tier": frozenset({"Tier", "CustomerTier", "EffectiveTier"}),
    "area": frozenset({"AreaCode"}),
})
"""Fact name → the local names of the elements that carry it, wherever they sit in a command."""

NO_FACTS: Facts = MappingProxyType({})

_FACT_OF_NAME = {name: fact for fact, names in ROUTING_FACTS.items() for name in names}


def fact_tags(declaration: Any) -> dict[str, str]:
    """``{namespace}local`` → fact name, for every element the declaration can contain that carries a fact."""
    found: dict[str, str] = {}
    seen: set[int] = set()
    pending = [declaration]
    while pending:
        element = pending.pop()
        fact = _FACT_OF_NAME.get(element.local_name or "")
        if fact is not None and element.name:
            found[element.name] = fact
        element_type = element.type
        content: Any = getattr(element_type, "content", None)
        if element_type.is_simple() or not hasattr(content, "iter_elements") or id(element_type) in seen:
            continue
        seen.add(id(element_type))
        pending.extend(
            child for child in content.iter_elements() if not isinstance(child, xmlschema.validators.XsdAnyElement)
        )
    return found


class FactReader:
    """Reads the routing facts of valid commands of one command set (its detailed XSD says where they are)."""

    __slots__ = ("_schema", "_tags")

    def __init__(self, schema: xmlschema.XMLSchema10) -> None:
        self._schema = schema
        self._tags: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {}

    def read(self, command: str, element: etree._Element) -> Facts:
        """The facts of ``element``, a valid ``command`` (no facts when its XSD holds no fact field)."""
        tags = self._tags.get(command)
        if tags is None:
            by_tag = fact_tags(self._schema.elements[command])
            tags = self._tags[command] = (by_tag, tuple(by_tag))
        by_tag, names = tags
        if not names:
            return NO_FACTS
        facts: dict[str, tuple[str, ...]] = {}
        for node in element.iter(*names):
            text = node.text
            if text:
                fact = by_tag[node.tag]
                facts[fact] = (*facts.get(fact, ()), text.strip())
        return facts


_readers: dict[int, tuple[CommandSet, FactReader]] = {}  # by id of the command set (kept alive here)


def read_facts(command_set: CommandSet, command: str, element: etree._Element) -> Facts:
    """The routing facts of ``element``, a valid ``command`` of ``command_set``."""
    entry = _readers.get(id(command_set))
    if entry is None or entry[0] is not command_set:
        entry = _readers[id(command_set)] = (command_set, FactReader(command_set.detailed_schema))
    return entry[1].read(command, element)
