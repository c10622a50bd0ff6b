"""``[workers]``: where the adapters' workers record the messages they processed.

::

    [workers]
    processed_store = ""   # "": onepoint-<consumer>.sqlite3 in each worker's working folder (one machine);
                           # postgresql+psycopg://hub@db.example.net:5432/onepoint: one database every adapter worker
                           # (boss, crm, nsp, dsmp, oa, bulletin) of every machine shares;
                           # "workflow": the work-order database ([workflow] database, on PostgreSQL), as
                           # [bulletin] and [audit] database say it
    processed_store_password_env = "ONEPOINT_PROCESSED_STORE_PASSWORD"   # its password from the environment
                           # (or in the URL, or libpq's own PGPASSWORD / ~/.pgpass)

Workers of one consumer on several machines share its queue: a message resent with the same MessageId may reach any
of them, so only a shared store answers it from the record instead of running it again. The OA adapter's own records
(the notices' versions its to-reads show, the to-dos the hub closed) follow it: in this database when set
(``adapters.oa.wiring``), else in a SQLite file beside the bulletin's. The workflow's worker keeps
its records in the work-order database (``[workflow] database``) whatever this says; on ``memory://`` the workers
keep them in memory (nothing outlives the process there).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

from hub.config.values import database_url_problem
from hub.transport.urls import redacted

__all__ = ["WorkerSettings", "parse_workers"]

_KEYS = frozenset({"processed_store", "processed_store_password_env"})


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    processed_store: str | None = None  # a postgresql URL (its password in it); None: SQLite per consumer


def _workflow_store(password_env: Any, workflow_database: str | None, source: str) -> str:
    """``processed_store = "workflow"``: the work-order database's URL, which must be PostgreSQL's."""
    if password_env:
        raise ValueError(f"{source}: workers.processed_store = \"workflow\" takes [workflow] database's own "
                         "password: leave processed_store_password_env out")
    if workflow_database is None or not workflow_database.startswith("postgresql"):
        raise ValueError(f"{source}: workers.processed_store = \"workflow\" needs [workflow] database on PostgreSQL "
                         "(a postgresql+psycopg:// URL); the work orders are in a SQLite file here, which the "
                         "consumers cannot share: give \"\" (a SQLite file per consumer) or a PostgreSQL URL")
    return workflow_database


def _store(value: Any, password_env: Any, workflow_database: str | None, source: str, secrets: bool) -> str | None:
    if value == "workflow":
        return _workflow_store(password_env, workflow_database, source)
    if not isinstance(value, str):
        raise ValueError(f"{source}: workers.processed_store must be a postgresql+psycopg:// URL, \"workflow\" or "
                         "\"\"")
    if not value.strip():
        if password_env:
            raise ValueError(f"{source}: workers.processed_store_password_env is set but no processed_store")
        return None
    if not value.startswith("postgresql"):  # a shared SQLite file would mix the consumers' records of one message
        raise ValueError(f"{source}: workers.processed_store {redacted(value)!r} must be a postgresql+psycopg:// URL "
                         "or \"workflow\" (\"\": a SQLite file per consumer in each worker's working folder)")
    if problem := database_url_problem(value):
        raise ValueError(f"{source}: workers.processed_store {redacted(value)!r} {problem}")
    if not password_env:
        return value
    if not isinstance(password_env, str):
        raise ValueError(f"{source}: workers.processed_store_password_env must name an environment variable")
    url = make_url(value)
    if url.password is not None:
        raise ValueError(f"{source}: workers.processed_store has a password and processed_store_password_env too: "
                         "give one")
    if not secrets:  # a command that opens no processed store: the URL without its password
        return value
    password = os.environ.get(password_env)
    if password is None:
        raise ValueError(f"{source}: workers: environment variable {password_env} (processed_store_password_env) "
                         "is not set")
    if not password:  # an unfilled secret, as the callers' and adapters' are refused
        raise ValueError(f"{source}: workers: environment variable {password_env} (processed_store_password_env) "
                         "is empty: set it to the processed store's password")
    return url.set(password=password).render_as_string(hide_password=False)


def parse_workers(section: Any, source: str, workflow_database: str | None = None, *,
                  secrets: bool = True) -> WorkerSettings:
    """The ``[workers]`` table; ``ValueError`` names a bad entry. ``workflow_database``: the URL of ``[workflow]
    database``, the store's for ``processed_store = "workflow"``. ``secrets=False``: the variable
    ``processed_store_password_env`` names is not read (the URL without the password), for a command that opens no
    processed store."""
    if section is None:
        return WorkerSettings()
    if not isinstance(section, dict):
        raise ValueError(f"{source}: [workers] must be a table")
    if unknown := set(section) - _KEYS:
        raise ValueError(f"{source}: unknown keys in [workers]: {sorted(unknown)} (known: {sorted(_KEYS)})")
    return WorkerSettings(_store(section.get("processed_store", ""), section.get("processed_store_password_env"),
                                 workflow_database, source, secrets))
