"""Processed-message store: idempotency keyed by message id (SQLite by default, or in memory)."""

from hub.store.base import BatchOutcome, Claim, ClaimBusyError, ProcessedStore, Recorded
from hub.store.batch import BatchResult, process_batch_once
from hub.store.idempotent import process_once
from hub.store.memory import MemoryProcessedStore
from hub.store.retention import RetainingSQLiteStore
from hub.store.sqlite import SQLiteProcessedStore

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


def open_store(url: str = "sqlite:///onepoint-processed.db") -> ProcessedStore:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db`` (its records kept 7 days: ``hub.store.retention``) or
    ``memory://``."""
    if url.startswith("memory://"):
        return MemoryProcessedStore()
    if url.startswith("sqlite:///"):
        return RetainingSQLiteStore(url.removeprefix("sqlite:///"))
    raise ValueError(f"unsupported store URL {url!r}")
