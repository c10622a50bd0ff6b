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
    """The taxonomy cannot be used; ``problems`` lists every error found: the files that could not be read first
    (and which references were left unchecked for them), then the rest in file and key order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the complaint taxonomy:\n{lines}")


class Problems:
    """Collects problems while the data is checked, so that one load reports all of them.

    A file that cannot be read (not TOML, not UTF-8) leaves out everything it defines, so every reference into it
    from the other files would name nothing: one unclosed quote in templates.toml made each category an "unknown
    template", a hundred lines burying the one that matters. Such a file is noted with `unreadable` and the
    sections it may define; a reference into one of them that names nothing (`unresolved`) is then not a problem
    but counted, and said once, after the file's own error, which comes first."""

    def __init__(self) -> None:
        self._found: list[Problem] = []
        self._unreadable: list[Problem] = []
        self._unsure: dict[str, list[str]] = {}  # section -> the unreadable files that may define it
        self._unchecked: dict[str, int] = {}  # section -> references into it left unchecked

    def add(self, source: str, key: str, message: str) -> None:
        self._found.append(Problem(source, key, message))

    def unreadable(self, source: str, message: str, sections: Iterable[str]) -> None:
        """``source`` cannot be read (``message`` says why); it may define ``sections``."""
        self._unreadable.append(Problem(source, "-", message))
        for section in sections:
            self._unsure.setdefault(section, []).append(source)

    def unsure(self, section: str) -> bool:
        """Whether a file that could not be read may define entries of ``section``."""
        return section in self._unsure

    def unresolved(self, source: str, key: str, section: str, message: str) -> None:
        """A reference into ``section`` names nothing: a problem, unless an unreadable file may define it."""
        if self.unsure(section):
            self._unchecked[section] = self._unchecked.get(section, 0) + 1
        else:
            self.add(source, key, message)

    def __bool__(self) -> bool:
        return bool(self._found or self._unreadable)

    def raise_if_any(self) -> None:
        """Raise one `TaxonomyError` naming every problem collected (none: return): the unreadable files first,
        with what was not checked for them, then the rest in file, key and message order."""
        if not self:
            return
        unchecked: dict[tuple[str, ...], list[str]] = {}  # the unreadable files -> what reading them would check
        for section, count in sorted(self._unchecked.items()):
            unchecked.setdefault(tuple(self._unsure[section]), []).append(f"{count} to {section}")
        notes = [Problem(", ".join(sources), "-", f"references not checked until "
                         f"{'this file' if len(sources) == 1 else 'these files'} can be read: {', '.join(counts)}")
                 for sources, counts in unchecked.items()]
        found = sorted(self._found, key=lambda p: (p.source, p.key, p.message))
        raise TaxonomyError([*self._unreadable, *notes, *found])

