"""The taxonomy's load errors: every problem of the data, each naming its file and key, in one exception."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Problem", "Problems", "TaxonomyError"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the data: where (file, code or key) and what."""

    source: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.key}: {self.message}"


class TaxonomyError(ValueError):
    """The taxonomy cannot be used; ``problems`` lists every error found, in file and key order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the complaint taxonomy:\n{lines}")


class Problems:
    """Collects problems while the data is checked, so that one load reports all of them."""

    def __init__(self) -> None:
        self._found: list[Problem] = []

    def add(self, source: str, key: str, message: str) -> None:
        self._found.append(Problem(source, key, message))

    def __bool__(self) -> bool:
        return bool(self._found)

    def raise_if_any(self) -> None:
        """Raise one `TaxonomyError` naming every problem collected (none: return)."""
        if self._found:
            raise TaxonomyError(sorted(self._found, key=lambda p: (p.source, p.key, p.message)))
