"""One typed value of a settings section, checked: whole numbers, positive numbers, seconds, paths.

Each reader raises ``ValueError`` naming the settings file and the key (``<file>: <section>.<key> must be …``);
``load_settings`` turns it into a ``ConfigError``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, TypeGuard

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hub.transport.urls import redacted

__all__ = ["BUILT_IN", "LONGEST_WAIT_SECONDS", "database_choice", "database_url_problem", "is_number", "positive",
           "relative_path", "seconds", "shared_database", "shared_database_url", "sqlite_beside_settings",
           "whole_number"]

BUILT_IN = "built-in defaults"  # the source name of the settings shipped with the package
# A number of seconds past this is a mistake ("never" written as 1e10) the settings check must refuse, not a thread,
# a socket or a start-up that dies later: timedelta, Event.wait and socket timeouts overflow. One day.
LONGEST_WAIT_SECONDS = 86_400.0


def is_number(value: Any) -> TypeGuard[int | float]:
    """Whether a settings value is a finite number: an int or a float, not a boolean, not ``nan`` nor ``inf``
    (TOML has both; ``nan`` compares false with everything, so a range check alone lets it through). Every
    numeric reader of ``hub.config`` asks this first."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def whole_number(section: dict[str, Any], name: str, key: str, default: int, source: str, *,
                 minimum: int | None = None, maximum: int | None = None) -> int:
    """``[name] key``: a whole number (not a boolean), at least ``minimum`` and at most ``maximum`` when given (what
    the value is fed to takes no more: a port, C's int)."""
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{source}: {name}.{key} must be a whole number, not {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{source}: {name}.{key} must be {minimum} or more, not {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{source}: {name}.{key} must be {maximum} or less, not {value!r}")
    return value


def positive(section: dict[str, Any], name: str, key: str, default: int, source: str) -> int:
    """``[name] key``: a positive whole number."""
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{source}: {name}.{key} must be a positive whole number, not {value!r}")
    return value


def seconds(section: dict[str, Any], name: str, key: str, default: float, source: str, *,
            most: float = LONGEST_WAIT_SECONDS) -> float:
    """``[name] key``: a number of seconds, 0 or more, at most ``most``."""
    value = section.get(key, default)
    if not is_number(value) or value < 0 or value > most:
        raise ValueError(f"{source}: {name}.{key} must be a number of seconds (0 to {most:g}), not {value!r}")
    return float(value)


def relative_path(value: Any, source: str) -> Path | None:
    """A path from the settings file, relative to that file's folder (the built-in defaults: as written)."""
    if value is None:
        return None
    path = Path(str(value))
    if path.is_absolute() or source == BUILT_IN:
        return path
    return Path(source).parent / path


def sqlite_beside_settings(url: str, source: str, setting: str = "database") -> str:
    """``url`` with a relative SQLite path (``sqlite:///workorders.db``) made relative to the settings file's folder,
    as a bare file name is: every process reading one settings file (the hub started in its folder, an operator's
    ``onepoint workorders list --config etc/hub.toml`` run elsewhere) opens the same file. An absolute path
    (``sqlite:////var/lib/…``), an in-memory database (``sqlite://``, ``:memory:``), a ``file:`` URI, any other
    database and the built-in defaults are as written.

    Releases before 2026-12-06 opened such a path in the working folder. Where that file exists and the one beside
    the settings does not, an update would start on a new, empty database (work orders, a new audit chain, the
    nonces) without a word: ``ValueError`` naming both files and what to do (``setting``: the key, for it)."""
    driver, slashes, rest = url.partition(":///")
    path, mark, query = rest.partition("?")
    if (not slashes or not driver.lower().startswith("sqlite") or not path or path.startswith("/")
            or path == ":memory:" or path.startswith("file:")):
        return url
    beside = relative_path(path, source)
    assert beside is not None
    before = Path(path)
    if not beside.exists() and before.is_file() and before.resolve() != beside.resolve():
        raise ValueError(
            f"{source}: {setting} {url!r}: a relative sqlite:/// path is relative to the settings file's folder "
            f"(since 2026-12-06; earlier releases opened it in the working folder): {beside} does not exist, but "
            f"{before.resolve()} does. Stop the hub, move that file (and its -wal and -shm files) to {beside}, or "
            f"write the absolute sqlite:///{before.resolve()}")
    return f"{driver}:///{beside}{mark}{query}"


def database_url_problem(url: str) -> str | None:
    """Why ``url`` cannot name a work-order (or nonce) database (None: it can): ``sqlite://…`` or
    ``postgresql[+psycopg]://…`` (the one PostgreSQL driver installed) with a port that is a number."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 (make_url reads the port lazily on some versions)
    except (ArgumentError, ValueError) as exc:
        return f"is not a database URL ({exc})"
    if parsed.get_backend_name() == "sqlite":
        return None
    if parsed.get_backend_name() != "postgresql":
        return "must be sqlite:// or postgresql+psycopg://"
    if parsed.drivername not in ("postgresql", "postgresql+psycopg"):
        return f"names the driver {parsed.drivername!r}: use postgresql+psycopg:// (psycopg 3, installed with the hub)"
    return None


def database_choice(value: Any, setting: str, words: tuple[str, ...], choices: str, source: str) -> str:
    """A setting naming a database: one of ``words`` as written, or a ``sqlite://`` / ``postgresql`` URL checked by
    ``database_url_problem`` (a relative SQLite path made relative to the settings file, ``sqlite_beside_settings``);
    ``ValueError`` naming ``setting`` and its ``choices`` for anything else."""
    if value in words:
        return str(value)
    if isinstance(value, str) and value.startswith(("sqlite://", "postgresql")):
        if problem := database_url_problem(value):
            raise ValueError(f"{source}: {setting} {redacted(value)!r} {problem}")
        return sqlite_beside_settings(value, source, setting)
    raise ValueError(f"{source}: {setting} must be {choices}, not "
                     f"{redacted(value) if isinstance(value, str) else value!r}")  # "postgres://…": no password shown


def shared_database(section: dict[str, Any], table: str, source: str) -> str:
    """``<table>.database`` as written: ``""`` (the SQLite file at ``<table>.path``), ``"workflow"`` (the work-order
    database) or a ``sqlite:///`` / ``postgresql+psycopg://`` URL; ``ValueError`` names anything else."""
    return database_choice(section.get("database", ""), f"{table}.database", ("", "workflow"),
                           f"\"\" (the SQLite file at {table}.path), \"workflow\" (the work-order database) or a "
                           "sqlite:/// or postgresql+psycopg:// URL", source)


def shared_database_url(database: str, workflow_database: str | None) -> str | None:
    """The URL a ``shared_database`` setting names (``"workflow"``: the work-order database's); None for ``""``, the
    SQLite file at the table's ``path``."""
    return workflow_database if database == "workflow" else database or None
