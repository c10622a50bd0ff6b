"""Validation of command documents: lxml's XMLSchema on the fast path, xmlschema to explain a refusal.

Valid documents cost one libxml2 parse and one libxml2 validation. Only a document that fails gets the second,
slower pass, which lists *every* violation as (line, path, reason); libxml2's own messages are the fallback
should the two ever disagree. A command whose set has co-occurrence rules (`hub.validation.rules`) is then held
to them: one call, only for such a command.
"""

from __future__ import annotations

from typing import NamedTuple

import xmlschema
from lxml import etree

from hub.validation.command_sets import CommandSet, CommandSetRegistry
from hub.validation.facts import Facts, read_facts
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import ParserLimits, check_tree, parse_document
from hub.validation.rules import enforce
from hub.validation.violations import DocumentRefused, RefusalKind, Violation

__all__ = ["DocumentValidator", "ValidatedCommand"]

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
            raise DocumentRefused(RefusalKind.INVALID, self.explain(command_set, element, schema.error_log))
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
        command_set: CommandSet, element: etree._Element, fallback: etree._ListErrorLog
    ) -> list[Violation]:
        """Every violation in the element, as (line, path, reason)."""
        resource = xmlschema.XMLResource(element, allow="none", defuse="always")
        violations = [
            Violation(error.sourceline or None, error.path or "/", str(error.reason or error.message))
            for error in command_set.detailed_schema.iter_errors(resource)
        ]
        if violations:
            return violations
        return [Violation(e.line or None, e.path or "/", e.message) for e in fallback]

    @staticmethod
    def _header(element: etree._Element) -> dict[str, str]:
        """The text of the command's Header fields (the XSDs require the Header as its first child)."""
        header = element[0] if len(element) else None
        return {} if header is None else {child.tag: child.text for child in header}
