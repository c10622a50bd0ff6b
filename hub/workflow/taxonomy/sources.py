"""Reading the taxonomy's TOML files: one file, a directory of them, or the packaged data; merged by section.

A file may hold any of the sections ``[fields.NAME]``, ``[targets.CODE]``, ``[templates.ID]`` and the array
``categories``; several files are read in name order and merged, a duplicate across files being an error.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from hub.workflow.taxonomy.errors import Problems

__all__ = ["PACKAGED", "SECTIONS", "Entry", "RawTaxonomy", "read_sources"]

PACKAGED = "hub.workflow.taxonomy:data"  # the source name of the packaged data
SECTIONS = ("fields", "targets", "templates", "categories")


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
        files = sorted((f"{PACKAGED}/{item.name}", item) for item in directory.iterdir() if item.name.endswith(".toml"))
        raw = RawTaxonomy(PACKAGED)
    elif path.is_dir():
        files = [(str(item), item) for item in sorted(path.glob("*.toml"))]
        raw = RawTaxonomy(str(path))
        if not files:
            problems.add(str(path), "-", "no *.toml file in this directory")
    else:
        files = [(str(path), path)]
        raw = RawTaxonomy(str(path))
    for source, item in files:
        _read_one(source, item, raw, problems)
    return raw


def _read_one(source: str, item: Traversable | Path, raw: RawTaxonomy, problems: Problems) -> None:
    try:
        data = tomllib.loads(item.read_text("utf-8"))
    except OSError as exc:
        problems.add(source, "-", f"cannot read: {exc.strerror or exc}")
        return
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.add(source, "-", f"not valid TOML: {exc}")
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
