"""Validation of command documents: lxml's XMLSchema on the fast path, xmlschema to explain a refusal.

Valid documents cost one libxml2 parse and one libxml2 validation. Only a document that fails gets the second,
slower pass, which lists the violations as (line, path, reason); libxml2's own messages are the fallback should
the two ever disagree. A command whose set has co-occurrence rules (`hub.validation.rules`) is then held to
them: one call, only for such a command; when the XSD refused it too, the rules' violations follow the XSD's.

The second pass is bounded, since xmlschema's cost grows faster than the document (an error per unknown
attribute copies the element's attributes; an error per unexpected child counts its siblings): it reads only a
tree of at most `EXPLAINED_ELEMENTS` elements and `EXPLAINED_ATTRIBUTES` attributes (`EXPLAINED_ATTRIBUTES_PER_ELEMENT`
on one element), a larger one is explained by libxml2's messages; and it lists at most `MAX_LISTED_VIOLATIONS`
violations, then one entry saying that more were found.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import NamedTuple

import xmlschema
from lxml import etree

from hub.validation.command_sets import CommandSet, CommandSetRegistry
from hub.validation.facts import Facts, read_facts
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import ParserLimits, check_tree, count_attributes, crowded_element, parse_document
from hub.validation.rules import broken_rules, enforce
from hub.validation.violations import DocumentRefused, RefusalKind, Violation

__all__ = [
    "EXPLAINED_ATTRIBUTES",
    "EXPLAINED_ATTRIBUTES_PER_ELEMENT",
    "EXPLAINED_ELEMENTS",
    "MAX_LISTED_VIOLATIONS",
    "DocumentValidator",
    "ValidatedCommand",
]

MAX_LISTED_VIOLATIONS = 100
"""Violations listed for one refused document; an entry after them says that more were found."""
EXPLAINED_ELEMENTS = 2_000
"""The largest tree (elements) the xmlschema pass reads: 2,000 unexpected siblings cost it 0.05 s, 20,000 3 s."""
EXPLAINED_ATTRIBUTES = 1_000
"""The most attributes in all the xmlschema pass reads."""
EXPLAINED_ATTRIBUTES_PER_ELEMENT = 64
"""The most attributes on one element the xmlschema pass reads (500 cost it 0.3 s, 2,000 15 s)."""

_MESSAGE_ID = f"{{{COMMON_NS}}}MessageId"
_CORRELATION_ID = f"{{{COMMON_NS}}}CorrelationId"
_SOURCE_SYSTEM = f"{{{COMMON_NS}}}SourceSystem"


class _QName:
    """Namespace and local name of a tag string (``{ns}local``), without building an lxml QName."""

    __slots__ = ("localname", "namespace")

    def __init__(self, tag: str) -> None:
        namespace, _, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
        self.namespace: str | None = namespace or None
        self.localname = local


class ValidatedCommand(NamedTuple):
    """A command document that passed: what it is and the header fields the hub needs.

    A NamedTuple rather than a frozen dataclass: equally immutable, and a third of the cost to build on the
    ingress's hot path."""

    command_set: CommandSet
    command: str
    element: etree._Element
    message_id: str
    correlation_id: str | None
    source_system: str

    @property
    def command_type(self) -> str:
        return self.command_set.command_type(self.command)

    def routing_facts(self) -> Facts:
        """The fields the routing table's content predicates read, from the validated tree (`hub.validation.facts`)."""
        return read_facts(self.command_set, self.command, self.element)

    def payload(self) -> bytes:
        """The command element as a standalone document (namespaces carried over)."""
        data: bytes = etree.tostring(self.element, encoding="UTF-8", xml_declaration=True)
        return data


class DocumentValidator:
    """Checks that bytes (or an already parsed element) are one valid command of a known command set."""

    def __init__(self, registry: CommandSetRegistry, limits: ParserLimits | None = None) -> None:
        self.registry = registry
        self.limits = limits or ParserLimits()

    def validate_bytes(self, data: bytes, *, expected_set: str | None = None) -> ValidatedCommand:
        element = parse_document(data, self.limits, check_structure=False)
        return self.validate_element(element, expected_set=expected_set, structure_checked=False)

    def validate_element(
        self, element: etree._Element, *, expected_set: str | None = None, structure_checked: bool = True
    ) -> ValidatedCommand:
        """Validate a parsed command. ``structure_checked=False``: the depth cap and the entity/XInclude
        refusal have not run yet; they run here unless the schema alone guarantees them for a valid tree."""
        command_set, command = self.identify(element, expected_set=expected_set)
        return self.validate_identified(element, command_set, command, structure_checked=structure_checked)

    def validate_identified(
        self, element: etree._Element, command_set: CommandSet, command: str, *, structure_checked: bool = True
    ) -> ValidatedCommand:
        """Validate a command that `identify` already named (an ingress identifies first to authorize)."""
        bound = command_set.max_depth
        schema_bounds_tree = bound is not None and bound <= self.limits.max_depth
        if not structure_checked and not schema_bounds_tree:
            check_tree(element, self.limits)
        schema = command_set.lxml_schema
        if not schema.validate(element):
            if not structure_checked and schema_bounds_tree:
                check_tree(element, self.limits)
            raise DocumentRefused(RefusalKind.INVALID, self.explain(command_set, element, schema.error_log, command))
        if command_set.rules and command in command_set.rules:  # what XSD 1.0 cannot say; most sets have none
            enforce(command_set.rules[command], element)
        header = self._header(element)
        return ValidatedCommand(
            command_set,
            command,
            element,
            header.get(_MESSAGE_ID, ""),
            header.get(_CORRELATION_ID),
            header.get(_SOURCE_SYSTEM, ""),
        )

    def identify(self, element: etree._Element, *, expected_set: str | None = None) -> tuple[CommandSet, str]:
        """Which command set and command the root element names, or a refusal saying why it is none."""
        qname = _QName(element.tag)
        line = element.sourceline
        command_set = self.registry.by_namespace(qname.namespace or "")
        if command_set is None:
            known = ", ".join(s.namespace for s in self.registry)
            raise DocumentRefused.single(
                RefusalKind.UNKNOWN_COMMAND,
                f"unknown namespace {qname.namespace or '(none)'!r}; expected one of: {known}",
                line=line,
                path=f"/{qname.localname}",
            )
        if expected_set is not None and command_set.name != expected_set:
            expected_ns = self.registry.get(expected_set).namespace
            raise DocumentRefused.single(
                RefusalKind.UNKNOWN_COMMAND,
                f"wrong namespace: this endpoint takes {expected_ns!r} commands, got {qname.namespace!r}",
                line=line,
                path=f"/{qname.localname}",
            )
        if qname.localname not in command_set.commands:
            raise DocumentRefused.single(
                RefusalKind.UNKNOWN_COMMAND,
                f"{qname.localname!r} is not a command of {command_set.name}; "
                f"commands: {', '.join(sorted(command_set.commands))}",
                line=line,
                path=f"/{qname.localname}",
            )
        return command_set, qname.localname

    @staticmethod
    def explain(
        command_set: CommandSet, element: etree._Element, fallback: etree._ListErrorLog, command: str | None = None
    ) -> list[Violation]:
        """The violations of a tree its XSD refused, as (line, path, reason): at most `MAX_LISTED_VIOLATIONS` of
        the XSD, then those of ``command``'s rules (when it has any and they can read the tree), then, if the XSD
        found more, an entry saying so (and how many, when libxml2 explained: xmlschema is not read past them)."""
        listing = _explained(command_set, element, fallback)
        rules = command_set.rules.get(command, ()) if command is not None else ()
        also = broken_rules(rules, element, schema_valid=False, limit=MAX_LISTED_VIOLATIONS) if rules else []
        return [*listing.listed, *also, *listing.more]

    @staticmethod
    def _header(element: etree._Element) -> dict[str, str]:
        """The text of the command's Header fields (the XSDs require the Header as its first child)."""
        header = element[0] if len(element) else None
        return {} if header is None else {child.tag: child.text for child in header}


class _Listing(NamedTuple):
    """The violations listed, and the entry saying that more were found (empty when none were)."""

    listed: list[Violation]
    more: tuple[Violation, ...]


def _explained(command_set: CommandSet, element: etree._Element, fallback: etree._ListErrorLog) -> _Listing:
    """The XSD's violations by xmlschema when the tree is within its budget, else (or should it find none)
    libxml2's."""
    if _within_detailed_budget(element):
        resource = xmlschema.XMLResource(element, allow="none", defuse="always")
        found = (
            Violation(error.sourceline or None, error.path or "/", str(error.reason or error.message))
            for error in command_set.detailed_schema.iter_errors(resource)
        )
        listing = _first_violations(found)
        if listing.listed:
            return listing
    libxml2 = (Violation(e.line or None, e.path or "/", e.message) for e in fallback)
    return _first_violations(libxml2, total=len(fallback))


def _first_violations(found: Iterable[Violation], *, total: int | None = None) -> _Listing:
    """At most `MAX_LISTED_VIOLATIONS` of ``found``, which is read no further than one past them; ``total``:
    how many there are, when known without reading them."""
    listed = list(islice(found, MAX_LISTED_VIOLATIONS + 1))
    if len(listed) <= MAX_LISTED_VIOLATIONS:
        return _Listing(listed, ())
    more = (f"… and {total - MAX_LISTED_VIOLATIONS} more violations" if total is not None
            else f"… and more violations: only the first {MAX_LISTED_VIOLATIONS} are listed")
    return _Listing(listed[:MAX_LISTED_VIOLATIONS], (Violation(None, "/", more),))


_COUNT_ELEMENTS = etree.XPath("count(descendant-or-self::*)")


def _within_detailed_budget(element: etree._Element) -> bool:
    """Whether xmlschema may read this tree: few enough elements and attributes that its cost stays small."""
    if _COUNT_ELEMENTS(element) > EXPLAINED_ELEMENTS:
        return False
    attributes = count_attributes(element)
    if attributes > EXPLAINED_ATTRIBUTES:
        return False
    return (attributes <= EXPLAINED_ATTRIBUTES_PER_ELEMENT
            or crowded_element(element, EXPLAINED_ATTRIBUTES_PER_ELEMENT) is None)
