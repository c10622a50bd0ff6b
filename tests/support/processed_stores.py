"""The processed-message stores the contract tests run on: SQLite, memory and the shared PostgreSQL store.

``POSTGRES`` is the parameter of a store fixture that needs the session's private PostgreSQL (``postgres_server``):
marked ``integration`` and ``postgres``, it fails on CI and skips elsewhere when the cluster cannot start. Each test
gets a fresh database (``postgres_database``), so no test sees another's records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.store import MemoryProcessedStore, ProcessedStore, SQLiteProcessedStore
from hub.store.postgres_retention import RetainingPostgresStore

__all__ = ["POSTGRES", "open_postgres_store", "opened_store", "postgres_database"]

POSTGRES = pytest.param("postgresql", marks=[pytest.mark.integration, pytest.mark.postgres])


def postgres_database(request: pytest.FixtureRequest) -> str:
    """A fresh database in the session's private PostgreSQL; its SQLAlchemy URL."""
    server: Any = request.getfixturevalue("postgres_server")
    return str(server.create_database())


def open_postgres_store(url: str, consumer: str = "boss", **options: Any) -> RetainingPostgresStore:
    """The store the workers open on ``url`` (records kept 7 days), for ``consumer``."""
    return RetainingPostgresStore.open(url, consumer, **options)


def opened_store(request: pytest.FixtureRequest, tmp_path: Path) -> ProcessedStore:
    """The store a fixture parametrized ``["sqlite", "memory", POSTGRES]`` stands for (``request.param``)."""
    if request.param == "sqlite":
        return SQLiteProcessedStore(tmp_path / "processed.db")
    if request.param == "postgresql":
        return open_postgres_store(postgres_database(request))
    return MemoryProcessedStore()
