"""``[bulletin]``: where the complaint front ends' bulletin of outage notices is kept, who may read it, how long.

::

    [bulletin]
    path = "onepoint-bulletin.db"   # SQLite (WAL); relative to the settings file's folder
    database = ""                   # "" (the file at path), "workflow" (the work-order database, [workflow]
                                    # database) or a sqlite:/// or postgresql+psycopg:// URL
    readers = ["CS"]                # caller systems allowed to GET /bulletin and mark notices read
    notice_readers = ["OA"]         # caller systems that may also read one notice (GET /bulletin?notice=ID),
                                    # the page the OA to-read of an outage notice links to
    keep_cleared_days = 30          # a cleared notice (and who read it) is kept this long after its clearance
    keep_messages_days = 30         # the record of an applied notice message (redeliveries absorbed) this long

``database``: every hub of a deployment of several (``onepoint serve`` on one RabbitMQ) runs a bulletin worker that
takes its share of the one ``bulletin`` queue; with a file per hub each hub's ``GET /bulletin`` lists only the
notices its own worker took, and its own agents' read marks. Such a deployment sets ``database = "workflow"`` (with
``[workflow] database`` on PostgreSQL) or a PostgreSQL URL, so every hub writes and reads one board. ``""`` (the
default) keeps the SQLite file at ``path`` (one hub, and the workers it runs or a separate ``onepoint worker
bulletin`` on the same machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.config.values import is_number, relative_path, shared_database, shared_database_url

__all__ = ["DEFAULT_FILE", "BulletinSettings", "parse_bulletin"]

DEFAULT_FILE = "onepoint-bulletin.db"
_KEYS = {"path", "database", "readers", "notice_readers", "keep_cleared_days", "keep_messages_days"}


@dataclass(frozen=True, slots=True)
class BulletinSettings:
    path: Path = Path(DEFAULT_FILE)
    readers: tuple[str, ...] = ("CS",)
    notice_readers: tuple[str, ...] = ("OA",)
    keep_cleared_days: float = 30.0
    keep_messages_days: float = 30.0
    database: str = ""  # as written: "", "workflow" or a URL
    workflow_database: str | None = None  # [workflow] database, for database = "workflow"

    @property
    def url(self) -> str | None:
        """The database URL the board is kept in; None: the SQLite file at ``path``."""
        return shared_database_url(self.database, self.workflow_database)


def _systems(section: dict[str, Any], key: str, default: list[str], source: str) -> tuple[str, ...]:
    value = section.get(key, default)
    if not isinstance(value, list) or not all(isinstance(r, str) and r for r in value):
        raise ValueError(f"{source}: bulletin.{key} must be a list of caller systems such as [\"CS\"]")
    return tuple(value)


def _days(section: dict[str, Any], key: str, source: str) -> float:
    value = section.get(key, 30)
    if not is_number(value) or not 0 < value <= 3650:
        raise ValueError(f"{source}: bulletin.{key} must be a number of days from 0 (excluded) to 3650")
    return float(value)


def parse_bulletin(section: Any, source: str, workflow_database: str | None = None) -> BulletinSettings:
    """The ``[bulletin]`` table; ``ValueError`` names a bad entry. ``path`` is relative to the settings file, its
    default too (the table left out): one settings file gives one bulletin file to every process that reads it,
    whatever folder each runs in (the hub and a separate ``onepoint worker bulletin``), as ``[audit] path`` and
    ``[workflow] database`` do; the built-in defaults keep it in the working folder. ``workflow_database``: the
    URL of ``[workflow] database``, the board's for ``database = "workflow"``."""
    if section is None:
        return BulletinSettings(relative_path(DEFAULT_FILE, source) or Path(DEFAULT_FILE),
                                workflow_database=workflow_database)
    if not isinstance(section, dict):
        raise ValueError(f"{source}: [bulletin] must be a table")
    if unknown := set(section) - _KEYS:
        raise ValueError(f"{source}: unknown keys in [bulletin]: {sorted(unknown)}")
    path = section.get("path", DEFAULT_FILE)
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"{source}: bulletin.path must be a non-empty string")
    return BulletinSettings(relative_path(path, source) or Path(path), _systems(section, "readers", ["CS"], source),
                            _systems(section, "notice_readers", ["OA"], source),
                            _days(section, "keep_cleared_days", source), _days(section, "keep_messages_days", source),
                            shared_database(section, "bulletin", source), workflow_database)
