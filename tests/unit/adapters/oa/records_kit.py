"""Fixtures that open the OA adapter's two shared records (the notice book behind ``ToReadVersions``, the closed
to-dos) at one place, ``oa_records_at``: the notice book's file here; a module that defines its own
``oa_records_at`` (tests/integration/adapters/test_oa_records_on_postgres.py: a PostgreSQL database, the processed
store's as wired) runs the same tests on that storage. Each call of a factory is a process of its own (its own
connection), as on another machine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.oa import (
    ClosedItems,
    ClosedItemsFile,
    NoticeBookFile,
    PostgresClosedItems,
    PostgresNoticeBook,
    ToReadVersions,
)
from adapters.oa.notice_book import NoticeBook

__all__ = ["OpensClosedTodos", "OpensVersions", "closed_items", "oa_records_at", "opened_records", "versions"]

OpensVersions = Callable[..., ToReadVersions]  # (prefix="onepoint", **ToReadVersions options)
OpensClosedTodos = Callable[..., ClosedItems]  # (**ClosedItemsFile / PostgresClosedItems options)


def _on_postgres(where: str) -> bool:
    return where.startswith("postgresql")


@pytest.fixture
def oa_records_at(tmp_path: Path) -> str:
    """Where the records are kept: the file the adapter keeps beside the bulletin's."""
    return str(tmp_path / "onepoint-oa-notices.db")


@pytest.fixture
def opened_records() -> Iterator[list[Any]]:
    records: list[Any] = []
    yield records
    for record in records:
        record.close()


@pytest.fixture
def versions(oa_records_at: str, opened_records: list[Any]) -> OpensVersions:
    def make(prefix: str = "onepoint", **options: Any) -> ToReadVersions:
        book: NoticeBook = (PostgresNoticeBook(oa_records_at, prefix=prefix) if _on_postgres(oa_records_at)
                            else NoticeBookFile(Path(oa_records_at), prefix=prefix))
        made = ToReadVersions(book=book, **options)
        opened_records.append(made)
        return made

    return make


@pytest.fixture
def closed_items(oa_records_at: str, opened_records: list[Any]) -> OpensClosedTodos:
    def make(**options: Any) -> ClosedItems:
        made: ClosedItems = (PostgresClosedItems(oa_records_at, **options) if _on_postgres(oa_records_at)
                             else ClosedItemsFile(Path(oa_records_at), **options))
        opened_records.append(made)
        return made

    return make
