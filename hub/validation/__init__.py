"""Validation: the hardened parser, the command sets and the XSD validator."""

from hub.validation.command_sets import CommandSet, CommandSetRegistry, schema_directory
from hub.validation.documents import DocumentSetValidator, ValidatedDocument
from hub.validation.parser import ParserLimits, parse_document
from hub.validation.validator import DocumentValidator, ValidatedCommand
from hub.validation.violations import DocumentRefused, RefusalKind, Violation

__all__ = [
    "CommandSet",
    "CommandSetRegistry",
    "DocumentRefused",
    "DocumentSetValidator",
    "DocumentValidator",
    "ParserLimits",
    "RefusalKind",
    "ValidatedCommand",
    "ValidatedDocument",
    "Violation",
    "parse_document",
    "schema_directory",
]
