"""What is wrong with a refused document: one `Violation` per problem, all of them at once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["DocumentRefused", "RefusalKind", "Violation"]


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
