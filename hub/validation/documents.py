"""Validation of any document of a command set: commands, their responses, and the common ``c:Ack``/``c:Error``.

For tools (``onepoint validate``) and tests, not for the ingresses: an ingress takes commands only, through
`DocumentValidator`, so a response posted as a command is still refused there. A command is held to its set's
co-occurrence rules too (`hub.validation.rules`), as the ingresses hold it.
"""

from __future__ import annotations

from typing import NamedTuple

from lxml import etree

from hub.validation.command_sets import CommandSet, CommandSetRegistry
from hub.validation.parser import ParserLimits, parse_document
from hub.validation.rules import enforce
from hub.validation.validator import DocumentValidator
from hub.validation.violations import DocumentRefused, RefusalKind

__all__ = ["DocumentSetValidator", "ValidatedDocument"]


class ValidatedDocument(NamedTuple):
    """A document that passed its set's XSD: which set declares it and its root element's name."""

    command_set: CommandSet
    name: str
    element: etree._Element

    @property
    def document_type(self) -> str:
        """``<set>.<element>``, e.g. ``boss.QueryCustomerTierResponse`` or ``common.Ack``."""
        return f"{self.command_set.name}.{self.name}"


class DocumentSetValidator:
    """Checks that bytes are one valid top-level document of a known command set or of the common schema."""

    def __init__(self, registry: CommandSetRegistry, limits: ParserLimits | None = None) -> None:
        self.registry = registry
        self.limits = limits or ParserLimits()

    def validate_bytes(self, data: bytes) -> ValidatedDocument:
        element = parse_document(data, self.limits)
        command_set, name = self.identify(element)
        schema = command_set.lxml_schema
        if not schema.validate(element):
            violations = DocumentValidator.explain(command_set, element, schema.error_log, name)
            raise DocumentRefused(RefusalKind.INVALID, violations)
        if name in command_set.rules:
            enforce(command_set.rules[name], element)
        return ValidatedDocument(command_set, name, element)

    def identify(self, element: etree._Element) -> tuple[CommandSet, str]:
        """Which set declares the root element, or a refusal saying why none does."""
        qname = etree.QName(element)
        path = f"/{qname.localname}"
        command_set = self.registry.document_set(qname.namespace or "")
        if command_set is None:
            known = [s.namespace for s in self.registry]
            if self.registry.common is not None:
                known.append(self.registry.common.namespace)
            raise DocumentRefused.single(
                RefusalKind.UNKNOWN_COMMAND,
                f"unknown namespace {qname.namespace or '(none)'!r}; expected one of: {', '.join(known)}",
                line=element.sourceline,
                path=path,
            )
        if qname.localname not in command_set.documents:
            raise DocumentRefused.single(
                RefusalKind.UNKNOWN_COMMAND,
                f"{qname.localname!r} is not a document of {command_set.name}; "
                f"documents: {', '.join(sorted(command_set.documents))}",
                line=element.sourceline,
                path=path,
            )
        return command_set, qname.localname
