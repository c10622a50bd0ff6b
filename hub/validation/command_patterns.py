"""Command type patterns (``"workorder.*"``, ``"boss.QueryCustomerTier"``), as the routing table's routes and the
authorization table's callers write them: shell-style globs over ``<set>.<Command>``, case-sensitive. A pattern
that matches no installed command type is a typo (``"workorders.*"``) that would route or allow nothing, so both
tables refuse it at load, in the same words."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

__all__ = ["matches", "unmatched"]


def matches(command_type: str, pattern: str) -> bool:
    """Whether ``pattern`` takes ``command_type`` (``fnmatch`` without case folding)."""
    return fnmatch.fnmatchcase(command_type, pattern)


def unmatched(patterns: Iterable[str], command_types: Iterable[str]) -> list[str]:
    """``"'<pattern>' matches no command type"`` for each of ``patterns`` no command type matches, in order."""
    known = list(command_types)
    return [f"{pattern!r} matches no command type" for pattern in patterns
            if not any(matches(command_type, pattern) for command_type in known)]
