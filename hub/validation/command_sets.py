"""The command sets: one XSD per system in the installed ``onepoint_schemas`` package
(the repo's ``schemas/`` folder), compiled once at start.

A command set's commands are derived from its XSD, not listed by hand: a top-level element ``X`` is a command
when a top-level ``XResponse`` exists beside it. Its documents are every top-level element (commands, responses);
``common.xsd`` is the set of the shared ``c:Ack`` and ``c:Error`` documents, which has no commands. Each set carries
the co-occurrence rules of its commands that XSD 1.0 cannot express (`hub.validation.rules`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

from hub.validation.command_rules import INSTALLED_RULES
from hub.validation.rules import NO_RULES, Rule, RuleBook

__all__ = ["SCHEMA_PACKAGE", "CommandSet", "CommandSetRegistry", "schema_directory"]

XSD_NS = "http://www.w3.org/2001/XMLSchema"
COMMON = "common"
SCHEMA_PACKAGE = "onepoint_schemas"
"""The installed package of the XSDs (the repo's ``schemas/`` folder): a name no tester's own ``schemas`` shadows."""


@contextlib.contextmanager
def schema_directory() -> Iterator[Path]:
    """The folder holding the installed XSDs (extracted to a temporary folder if the package is zipped)."""
    with resources.as_file(resources.files(SCHEMA_PACKAGE)) as path:
        yield Path(path)


def _schema_parser() -> etree.XMLParser:
    # Our own files only, yet parsed with the same refusals as anything else.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _element_depth(element: Any, outer: tuple[Any, ...] = ()) -> int | None:
    """Levels of nesting an element declaration allows (1 for a simple one); None if unbounded."""
    content: Any = getattr(element.type, "content", None)
    if element.type.is_simple() or not hasattr(content, "iter_elements"):
        return 1
    deepest = 1
    for child in content.iter_elements():
        if isinstance(child, xmlschema.validators.XsdAnyElement) or child.type in outer:
            return None
        depth = _element_depth(child, (*outer, element.type))
        if depth is None:
            return None
        deepest = max(deepest, 1 + depth)
    return deepest


@dataclass(frozen=True)
class CommandSet:
    """One system's command set: its namespace, its commands and its compiled schema."""

    name: str
    namespace: str
    path: Path
    commands: frozenset[str]
    responses: frozenset[str]
    documents: frozenset[str]
    lxml_schema: etree.XMLSchema = field(repr=False, compare=False)
    rules: Mapping[str, tuple[Rule, ...]] = field(default_factory=lambda: NO_RULES, repr=False, compare=False)
    """Command → the rules it must keep beyond its XSD (`hub.validation.rules`); empty for most sets."""

    @cached_property
    def detailed_schema(self) -> xmlschema.XMLSchema10:
        """The xmlschema view of the same XSD, for the second pass that names every violation."""
        return xmlschema.XMLSchema10(str(self.path), defuse="always", allow="sandbox")

    @cached_property
    def max_depth(self) -> int | None:
        """The deepest a valid command of this set can nest, or None when the XSD does not bound it
        (a wildcard or a recursive type). Lets the validator skip structural probes on valid documents."""
        depths = [_element_depth(self.detailed_schema.elements[c]) for c in self.commands]
        return None if any(d is None for d in depths) else max((d for d in depths if d is not None), default=1)

    def command_type(self, command: str) -> str:
        return f"{self.name}.{command}"

    @classmethod
    def load(cls, path: Path, rules: RuleBook | None = None) -> CommandSet:
        tree = etree.parse(str(path), parser=_schema_parser())
        namespace = tree.getroot().get("targetNamespace")
        if not namespace:
            raise ValueError(f"{path.name}: no targetNamespace")
        elements = {e.get("name") for e in tree.getroot().iterfind(f"{{{XSD_NS}}}element")}
        names = {n for n in elements if n}
        commands = frozenset(n for n in names if f"{n}Response" in names)
        return cls(
            name=path.stem,
            namespace=namespace,
            path=path,
            commands=commands,
            responses=frozenset(f"{c}Response" for c in commands),
            documents=frozenset(names),
            lxml_schema=etree.XMLSchema(tree),
            rules=(rules or INSTALLED_RULES).of_set(path.stem),
        )


class CommandSetRegistry:
    """Every command set of the installed package, by name and by namespace."""

    def __init__(self, sets: list[CommandSet], common: CommandSet | None = None) -> None:
        self._by_name = {s.name: s for s in sets}
        self._by_namespace = {s.namespace: s for s in sets}
        self.common = common
        """The shared documents (``c:Ack``, ``c:Error``): never a command set, so no ingress takes them."""

    @classmethod
    def from_directory(cls, directory: Path, *, detailed: bool = True, rules: RuleBook | None = None
                       ) -> CommandSetRegistry:
        """The sets of every XSD in ``directory``, with ``rules`` (default: the installed sets' rules)."""
        sets = [CommandSet.load(p, rules) for p in sorted(directory.glob("*.xsd")) if p.stem != COMMON]
        common_path = directory / f"{COMMON}.xsd"
        registry = cls(sets, CommandSet.load(common_path) if common_path.is_file() else None)
        if detailed:  # build the slow second-pass schemas at start, not on the first bad request
            for command_set in sets:
                _ = command_set.max_depth
        return registry

    @classmethod
    def installed(cls, *, detailed: bool = True) -> CommandSetRegistry:
        """The installed package's sets, compiled once per process (0.6-0.8 s of XSD compiling each time before):
        the installed XSDs do not change while it runs, and a registry is read-only once built, so every part of
        one process (the ingress, the outbound path, the emulators of a demo) shares it, as the parts of one
        ``onepoint serve`` always shared theirs. ``detailed``: with the second-pass schemas built now."""
        return _installed(detailed)

    def __iter__(self) -> Iterator[CommandSet]:
        return iter(self._by_name.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def get(self, name: str) -> CommandSet:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no command set {name!r}; known: {', '.join(self.names())}") from None

    def by_namespace(self, namespace: str) -> CommandSet | None:
        """The command set whose commands live in this namespace (the common one is not a command set)."""
        return self._by_namespace.get(namespace)

    def document_set(self, namespace: str) -> CommandSet | None:
        """The set declaring documents of this namespace, the common set (Ack, Error) included."""
        if self.common is not None and namespace == self.common.namespace:
            return self.common
        return self._by_namespace.get(namespace)

    def command_types(self) -> list[str]:
        return sorted(s.command_type(c) for s in self for c in s.commands)

    def system_codes(self) -> frozenset[str]:
        """The systems a document's ``Header/SourceSystem`` can name: the enumeration of common.xsd's
        ``SystemCode`` (empty without a common set)."""
        if self.common is None:
            return frozenset()
        tree = etree.parse(str(self.common.path), parser=_schema_parser())
        values = tree.getroot().xpath("xs:simpleType[@name='SystemCode']/xs:restriction/xs:enumeration/@value",
                                      namespaces={"xs": XSD_NS})
        return frozenset(str(value) for value in values)


@cache
def _installed(detailed: bool) -> CommandSetRegistry:
    with schema_directory() as directory:
        return CommandSetRegistry.from_directory(directory, detailed=detailed)
