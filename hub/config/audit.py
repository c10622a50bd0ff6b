"""``[audit]``: where the SMS-log audit trail lives and where its HMAC key comes from (never beside it).

::

    [audit]
    path = "onepoint-audit.db"      # SQLite (WAL); relative to the settings file's folder
    database = ""                   # "" (the file at path), "workflow" (the work-order database, [workflow]
                                    # database) or a postgresql+psycopg:// (or sqlite:///) URL
    key_env = "ONEPOINT_AUDIT_KEY"  # or key_file = "…": the HMAC key, never kept beside the log

``database``: the trail is one chain, and ``onepoint audit verify`` checks one chain. With the SQLite file at
``path`` (the default, ``""``) every machine that answers SMS-log queries (each hub, each ``onepoint worker dsmp``)
writes a chain of its own, and an operator must find and verify every machine's file. A deployment of several
hubs or DSMP workers sets ``database = "workflow"`` (with ``[workflow] database`` on PostgreSQL) or a PostgreSQL
URL: every writer then appends to the one chain in that database (``hub.audit.postgres``), each row committed
before any record is sent, and one ``onepoint audit verify`` checks them all. A ``sqlite:///`` URL (or
``"workflow"`` on a SQLite work-order database) is a SQLite log at that file, as ``path`` is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.config.values import relative_path, shared_database, shared_database_url
from hub.transport.urls import redacted

__all__ = ["AuditSettings", "parse_audit"]

_KEYS = frozenset({"path", "database", "key_env", "key_file", "development_key"})


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """The SMS-log audit trail (hub.audit): where the log lives and where its key comes from (never beside it)."""

    path: Path = Path("onepoint-audit.db")
    key_env: str | None = "ONEPOINT_AUDIT_KEY"
    key_file: Path | None = None
    development_key: bool = False  # the built-in defaults only: a public key, for development
    database: str = ""  # as written: "" (the file at path), "workflow" or a URL
    workflow_database: str | None = None  # [workflow] database, for database = "workflow"

    @property
    def url(self) -> str | None:
        """The database URL the log is kept in; None: the SQLite file at ``path``."""
        return shared_database_url(self.database, self.workflow_database)

    @property
    def where(self) -> str:
        """Where the log is, in words for a message (a URL without its password)."""
        url = self.url
        if url is None:
            return str(self.path)
        setting = "[audit] database = \"workflow\" ([workflow] database " if self.database == "workflow" \
            else "[audit] database ("
        return f"{setting}{redacted(url)})"


def parse_audit(section: Any, source: str, workflow_database: str | None = None) -> AuditSettings:
    """``[audit]``: path (relative to the settings file), database, key_env or key_file, development_key.
    ``workflow_database``: the URL of ``[workflow] database``, the log's for ``database = "workflow"``."""
    if not isinstance(section, dict):
        raise ValueError(f"{source}: [audit] must be a table")
    if unknown := set(section) - _KEYS:
        raise ValueError(f"{source}: unknown keys in [audit]: {sorted(unknown)}")
    for key in ("path", "key_env", "key_file"):
        if key in section and (not isinstance(section[key], str) or not section[key].strip()):
            raise ValueError(f"{source}: audit.{key} must be a non-empty string")
    development_key = section.get("development_key", False)
    if not isinstance(development_key, bool):
        raise ValueError(f"{source}: audit.development_key must be true or false")
    return AuditSettings(
        path=relative_path(section.get("path", "onepoint-audit.db"), source) or Path("onepoint-audit.db"),
        key_env=section.get("key_env", "ONEPOINT_AUDIT_KEY"),
        key_file=relative_path(section.get("key_file"), source),
        development_key=development_key,
        database=shared_database(section, "audit", source),
        workflow_database=workflow_database,
    )
