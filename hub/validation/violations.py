"""What is wrong with a refused document: one `Violation` per problem, all of them at once; `invalid_message`
names the first few in a line that SOAP toolkits show (the faultstring), bounded whatever the document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["DocumentRefused", "RefusalKind", "Violation", "invalid_message"]

NAMED_VIOLATIONS = 3  # violations named in a schema refusal's message (its detail lists every one)
_PATH_CHARS = 100  # of a named violation's path: its end, the element it is about
_REASON_CHARS = 160  # of a named violation's reason


class RefusalKind(StrEnum):
    """Why a document was refused; the ingress maps each kind to its HTTP status / SOAP faultcode."""

    EMPTY = "empty"  # no body at all
    TOO_LARGE = "too-large"  # over the body-size cap
    TOO_DEEP = "too-deep"  # over the nesting-depth cap
    FORBIDDEN = "forbidden"  # DOCTYPE, entities, XInclude, processing instructions that could fetch things
    MALFORMED = "malformed"  # not well-formed XML, bad encoding
    UNKNOWN_COMMAND = "unknown-command"  # root element is not a command of any (or the expected) command set
    INVALID = "invalid"  # well-formed, known command, but its XSD or a rule of its set (validation.rules) refuses it


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem: where (line, path) and why (reason)."""

    line: int | None
    path: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "document"
        return f"{where}: {self.path}: {self.reason}"


class DocumentRefused(Exception):
    """A document that must not get in, with every violation found."""

    def __init__(self, kind: RefusalKind, violations: list[Violation]) -> None:
        self.kind = kind
        self.violations = violations
        summary = "; ".join(str(v) for v in violations[:3])
        more = f" (+{len(violations) - 3} more)" if len(violations) > 3 else ""
        super().__init__(f"{kind.value}: {summary}{more}")

    @classmethod
    def single(cls, kind: RefusalKind, reason: str, *, line: int | None = None, path: str = "/") -> DocumentRefused:
        return cls(kind, [Violation(line, path, reason)])


def _cut_path(path: str) -> str:
    return path if len(path) <= _PATH_CHARS else f"…{path[-_PATH_CHARS:]}"


def _cut_reason(reason: str) -> str:
    return reason if len(reason) <= _REASON_CHARS else f"{reason[:_REASON_CHARS]}…"


def invalid_message(violations: Sequence[Violation]) -> str:
    """The message of a document its schema refused: its first `NAMED_VIOLATIONS` violations (line, path, reason;
    a long path or reason cut, so thousands of violations or a huge value still make a short line) and how many
    more the detail lists. Most SOAP toolkits show only this (JAX-WS ``getMessage``, WCF
    ``FaultException.Message``, suds' ``WebFault``)."""
    named = "; ".join(str(Violation(v.line, _cut_path(v.path), _cut_reason(v.reason)))
                      for v in violations[:NAMED_VIOLATIONS])
    more = len(violations) - NAMED_VIOLATIONS
    return f"the document is not valid against its schema: {named}" + (
        f" (+{more} more, see detail)" if more > 0 else "")
