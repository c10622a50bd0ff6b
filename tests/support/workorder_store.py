"""Fixtures and factories of the work-order store contract suite: every test runs on SQLite and on PostgreSQL
(a fresh database of the session's private cluster per test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.workflow.store import HistoryEntry, WorkOrderStore
from tests.support.postgres_server import PostgresServer

__all__ = ["T0", "make_row", "open_workorder_store", "store_complaint", "store_url", "workorder_store"]

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.unit),
        pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.integration]),
    ]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a new, empty database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workorders.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
def open_workorder_store(store_url: str) -> Iterator[Callable[..., WorkOrderStore]]:
    """Opens stores on the test's database (each its own engine, as separate processes would be)."""
    opened: list[WorkOrderStore] = []

    def open_store(**options: Any) -> WorkOrderStore:
        store = WorkOrderStore.open(store_url, **options)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def workorder_store(open_workorder_store: Callable[..., WorkOrderStore]) -> WorkOrderStore:
    return open_workorder_store()


def make_row(n: int = 0, **fields: Any) -> dict[str, Any]:
    """A new work order's columns; ``n`` varies the time (n minutes after T0) and the number."""
    return {
        "channel": "hotline",
        "msisdn": f"1380013{n % 10000:04d}",
        "category_code": "01.02.03",
        "state": "NEW",
        "tier": "PREPAID",
        "priority": 3,
        "area_code": "0755",
        "created_at": T0 + timedelta(minutes=n),
        **fields,
    }


def created(at: datetime, *, actor: str = "agent-7") -> HistoryEntry:
    return HistoryEntry(at=at, kind="state", actor=actor, system="CS", action="CREATE", to_state="NEW")


def store_complaint(database_url: str, work_order_id: str, msisdn: str, category_code: str = "03.01.02",
                    **fields: Any) -> None:
    """Put a complaint of ``msisdn`` under ``work_order_id`` in the work-order database at ``database_url`` (what
    an SMS-log query may name as its purpose); ``fields``: other columns (``state``, ``occurred_at``...)."""
    store = WorkOrderStore.open(database_url)
    try:
        with store.transaction() as tx:
            tx.insert_work_order(make_row(id=work_order_id, msisdn=msisdn, category_code=category_code, **fields))
    finally:
        store.close()
