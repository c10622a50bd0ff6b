"""Reading the taxonomy's TOML files: one file, a directory of them, or the packaged data; merged by section.

A file may hold any of the sections ``[fields.NAME]``, ``[targets.CODE]``, ``[templates.ID]`` and the array
``categories``; several files are read in name order and merged, a duplicate across files being an error. Of a
directory, the ``*.toml`` files are read but hidden ones (``.#categories.toml``, the lock an editor such as Emacs
leaves beside a file it edits, ``.categories.toml``); editor backups (``categories.toml~``, ``*.swp``, ``*.bak``)
do not end in ``.toml`` and are not read either. A file is UTF-8, with or without a byte-order mark
(`hub.workflow.datafile.toml_text`); one that cannot be read is named, with the sections it seems to define
(``Problems.unreadable``), so that references into them are not each reported as naming nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from hub.workflow.datafile import NotUtf8, toml_text
from hub.workflow.taxonomy.errors import Problems

__all__ = ["PACKAGED", "SECTIONS", "Entry", "RawTaxonomy", "is_taxonomy_file", "read_sources"]

PACKAGED = "hub.workflow.taxonomy:data"  # the source name of the packaged data
SECTIONS = ("fields", "targets", "templates", "categories")
# where a section starts in a file TOML cannot parse: [templates.x] (or a dotted key templates.x.name =),
# categories = [ or [[categories]]; not a template's own key (fields = [...])
_SECTION_START = re.compile(r"^[ \t]*(?:\[[ \t]*)?(fields|targets|templates)[ \t]*\.|^[ \t]*(?:\[\[[ \t]*)?"
                            r"(categories)[ \t]*(?:=|\]\])", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One raw entry: the file it came from, its section, its name (field name, code or id) and its table."""

    source: str
    section: str
    name: str
    table: dict[str, Any]

    @property
    def key(self) -> str:
        """How problems name the entry: a category by its code, anything else as ``section.name``."""
        return self.name if self.section == "categories" else f"{self.section}.{self.name}"


@dataclass(slots=True)
class RawTaxonomy:
    """Every entry of every file, by section, in reading order (duplicates kept: the checker names them)."""

    source: str
    sections: dict[str, list[Entry]] = field(default_factory=lambda: {name: [] for name in SECTIONS})


def read_sources(path: Path | None, problems: Problems) -> RawTaxonomy:
    """Read ``path`` (a file or a directory of ``*.toml``; None: the packaged data), noting unreadable parts."""
    files: list[tuple[str, Traversable | Path]]
    if path is None:
        directory = resources.files("hub.workflow.taxonomy").joinpath("data")
        files = sorted((f"{PACKAGED}/{item.name}", item) for item in directory.iterdir() if is_taxonomy_file(item.name))
        raw = RawTaxonomy(PACKAGED)
    elif path.is_dir():
        files = [(str(item), item) for item in sorted(path.iterdir()) if is_taxonomy_file(item.name)]
        raw = RawTaxonomy(str(path))
        if not files:
            problems.add(str(path), "-", "no *.toml file in this directory")
    else:
        files = [(str(path), path)]
        raw = RawTaxonomy(str(path))
    for source, item in files:
        _read_one(source, item, raw, problems)
    return raw


def is_taxonomy_file(name: str) -> bool:
    """Whether a directory's file named ``name`` is read: a ``*.toml`` that is not hidden (an editor's lock)."""
    return name.endswith(".toml") and not name.startswith((".", "#"))


def _read_one(source: str, item: Traversable | Path, raw: RawTaxonomy, problems: Problems) -> None:
    try:
        content = item.read_bytes()
    except OSError as exc:
        problems.unreadable(source, f"cannot read: {exc.strerror or exc}", SECTIONS)
        return
    try:
        data = tomllib.loads(toml_text(content))
    except NotUtf8 as exc:
        problems.unreadable(source, str(exc), _sections_in(content))
        return
    except tomllib.TOMLDecodeError as exc:
        problems.unreadable(source, f"not valid TOML: {exc}", _sections_in(content))
        return
    for section, value in data.items():
        if section not in SECTIONS:
            problems.add(source, section, f"unknown section (expected one of {', '.join(SECTIONS)})")
        elif section == "categories":
            _read_categories(source, value, raw, problems)
        elif not isinstance(value, dict) or not all(isinstance(table, dict) for table in value.values()):
            problems.add(source, section, f"must be tables [{section}.KEY]")
        else:
            raw.sections[section].extend(Entry(source, section, key, table) for key, table in value.items())


def _sections_in(content: bytes) -> tuple[str, ...]:
    """The sections a file that cannot be parsed seems to define (all of them when none is recognised)."""
    found = {match.group(1) or match.group(2) for match in _SECTION_START.finditer(content.decode("utf-8", "replace"))}
    return tuple(section for section in SECTIONS if section in found) or SECTIONS


def _read_categories(source: str, value: object, raw: RawTaxonomy, problems: Problems) -> None:
    if not isinstance(value, list):
        problems.add(source, "categories", "must be an array of tables with a code and a name")
        return
    for index, table in enumerate(value):
        if not isinstance(table, dict):
            problems.add(source, f"categories[{index}]", "must be a table with a code and a name")
            continue
        code = table.get("code")
        key = code if isinstance(code, str) and code else f"categories[{index}]"
        raw.sections["categories"].append(Entry(source, "categories", key, table))
