"""Processed-message store: idempotency keyed by consumer, source system and message id (``hub.store.keys``; SQLite by
default, in memory, or PostgreSQL shared by the workers of several machines)."""

from hub.store.base import BatchOutcome, Claim, ClaimBusyError, ProcessedStore, Recorded
from hub.store.batch import BatchResult, process_batch_once
from hub.store.idempotent import process_once
from hub.store.memory import MemoryProcessedStore
from hub.store.retention import RetainingSQLiteStore
from hub.store.sqlite import SQLiteProcessedStore
from hub.transport.urls import redacted

__all__ = [
    "BatchOutcome",
    "BatchResult",
    "Claim",
    "ClaimBusyError",
    "MemoryProcessedStore",
    "ProcessedStore",
    "Recorded",
    "SQLiteProcessedStore",
    "open_store",
    "process_batch_once",
    "process_once",
]


def open_store(url: str = "sqlite:///onepoint-processed.db", *, consumer: str | None = None) -> ProcessedStore:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db`` (its records kept 7 days: ``hub.store.retention``),
    ``memory://``, or ``postgresql://…`` / ``postgresql+psycopg://…``: one database the workers of every machine
    share, its records kept 7 days too (``hub.store.postgres_retention``), which needs the ``consumer`` whose
    records the store keeps (one table holds every consumer's)."""
    if url.startswith("memory://"):
        return MemoryProcessedStore()
    if url.startswith("sqlite:///"):
        return RetainingSQLiteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgresql+psycopg://")):
        if not consumer:
            raise ValueError("a PostgreSQL processed store is shared by the consumers: name the consumer")
        from hub.store.postgres_retention import RetainingPostgresStore  # SQLAlchemy only where it is used

        return RetainingPostgresStore.open(url, consumer)
    raise ValueError(f"unsupported store URL {redacted(url)!r}: sqlite:///PATH, memory:// or postgresql+psycopg://…")

