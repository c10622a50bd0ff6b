"""``[bulletin]``: where the complaint front ends' bulletin of outage notices is kept and who may read it.

::

    [bulletin]
    path = "onepoint-bulletin.db"   # SQLite (WAL); relative to the settings file's folder
    readers = ["CS"]                # caller systems allowed to GET /bulletin and mark notices read
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["BulletinSettings", "parse_bulletin"]


@dataclass(frozen=True, slots=True)
class BulletinSettings:
    path: Path = Path("onepoint-bulletin.db")
    readers: tuple[str, ...] = ("CS",)


def parse_bulletin(section: Any, source: str) -> BulletinSettings:
    """The ``[bulletin]`` table; ``ValueError`` names a bad entry. ``path`` is relative to the settings file."""
    if section is None:
        return BulletinSettings()
    if not isinstance(section, dict):
        raise ValueError(f"{source}: [bulletin] must be a table")
    if unknown := set(section) - {"path", "readers"}:
        raise ValueError(f"{source}: unknown keys in [bulletin]: {sorted(unknown)}")
    path = section.get("path", "onepoint-bulletin.db")
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"{source}: bulletin.path must be a non-empty string")
    readers = section.get("readers", ["CS"])
    if not isinstance(readers, list) or not all(isinstance(r, str) and r for r in readers):
        raise ValueError(f"{source}: bulletin.readers must be a list of caller systems such as [\"CS\"]")
    resolved = Path(path)
    if not resolved.is_absolute() and source != "built-in defaults":
        resolved = Path(source).parent / resolved
    return BulletinSettings(resolved, tuple(readers))
