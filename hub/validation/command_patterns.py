"""Command type patterns (``"workorder.*"``, ``"boss.QueryCustomerTier"``), as the routing table's routes and the
authorization table's callers write them: shell-style globs over ``<set>.<Command>``, case-sensitive. A pattern
that matches no installed command type is a typo (``"workorders.*"``) that would route or allow nothing, so both
tables refuse it at load, in the same words."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable

__all__ = ["matches", "unmatched"]


def matches(command_type: str, pattern: str) -> bool:
    """Whether ``pattern`` takes ``command_type`` (``fnmatch`` without case folding)."""
    return fnmatch.fnmatchcase(command_type, pattern)


def unmatched(patterns: Iterable[str], command_types: Iterable[str]) -> list[str]:
    """``"'<pattern>' matches no command type"`` for each of ``patterns`` no command type matches, in order, with
    the likely one meant when one is close (``"boss.QueryCustomerTeir"``: ``boss.QueryCustomerTier``;
    ``"workorders.*"``: ``workorder.*``)."""
    known = sorted(set(command_types))
    return [f"{pattern!r} matches no command type{_closest(pattern, known)}" for pattern in patterns
            if not any(matches(command_type, pattern) for command_type in known)]


def _closest(pattern: str, known: list[str]) -> str:
    candidates = known + sorted({f"{command_type.partition('.')[0]}.*" for command_type in known})
    found = difflib.get_close_matches(pattern, candidates, n=1, cutoff=0.75)
    return f" (did you mean {found[0]!r}?)" if found else ""
