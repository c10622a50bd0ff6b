"""The OA adapter's record of the to-dos the hub closed (``adapters.oa.closed_items``): in memory and in the notice
book's file, shared by the OA worker processes and threads, per topology prefix, kept 7 days and pruned in bounded
batches. (Before, nothing was kept: a push arriving after the hub's close opened the to-do for good.)"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapters.oa import ClosedItems, ClosedItemsFile, MemoryClosedItems, close, dependencies
from adapters.oa.closed_items import DEFAULT_KEEP_SECONDS
from hub.config.settings import load_settings
from tests.unit.adapters.oa.records_kit import OpensClosedTodos
from tests.unit.adapters.soap_kit import registry, settings

pytestmark = pytest.mark.unit

DAY = 86_400.0


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "shared"])
def kind(request: pytest.FixtureRequest, closed_items: OpensClosedTodos,
         opened_records: list[Any]) -> OpensClosedTodos:
    """The record in the worker's memory, or the shared one (``records_kit``: the notice book's file here)."""
    if request.param == "shared":
        return closed_items

    def in_memory(**options: Any) -> ClosedItems:
        made = MemoryClosedItems(**options)
        opened_records.append(made)
        return made

    return in_memory


def test_a_closed_item_is_recorded_and_no_other(kind: OpensClosedTodos) -> None:
    record = kind()
    assert not record.is_closed("WO20261123A7K2M9Q1-dsp1")
    record.record("WO20261123A7K2M9Q1-dsp1")
    record.record("WO20261123A7K2M9Q1-dsp1")  # a redelivered close: one record
    assert record.is_closed("WO20261123A7K2M9Q1-dsp1")
    assert not record.is_closed("WO20261123A7K2M9Q1-dsp2") and not record.is_closed("WO20261123A7K2M9Q1-esc1-0")
    assert len(record) == 1


def test_records_are_kept_seven_days_then_pruned_in_bounded_batches(kind: OpensClosedTodos) -> None:
    clock = Clock()
    record = kind(clock=clock, prune_batch=3)
    assert DEFAULT_KEEP_SECONDS == 7 * DAY  # as the processed-message stores keep theirs
    for n in range(10):
        record.record(f"old-{n}")
        clock.now += 1
    clock.now += 7 * DAY - 20
    assert record.is_closed("old-0")  # within the week
    clock.now += 30
    assert not record.is_closed("old-0") and not record.is_closed("old-9")  # past it: no longer counted
    record.record("new-1")
    assert len(record) == 10 - 3 + 1  # each record prunes at most 3
    record.record("new-2")
    record.record("new-3")
    record.record("new-4")
    assert len(record) == 4  # all the expired ones gone, the new ones kept
    assert all(record.is_closed(f"new-{n}") for n in range(1, 5))


def test_a_redelivered_close_renews_the_record(kind: OpensClosedTodos) -> None:
    clock = Clock()
    record = kind(clock=clock)
    record.record("WO20261123A7K2M9Q1-dsp1")
    clock.now += 6 * DAY
    record.record("WO20261123A7K2M9Q1-dsp1")
    clock.now += 6 * DAY
    assert record.is_closed("WO20261123A7K2M9Q1-dsp1")


def test_the_workers_share_the_record_over_restarts_each_hub_its_own(closed_items: OpensClosedTodos) -> None:
    one, two, other = closed_items(), closed_items(), closed_items(prefix="other-hub")  # two OA worker processes
    one.record("WO20261123A7K2M9Q1-dsp1")
    assert two.is_closed("WO20261123A7K2M9Q1-dsp1") and not other.is_closed("WO20261123A7K2M9Q1-dsp1")
    one.close()
    assert closed_items().is_closed("WO20261123A7K2M9Q1-dsp1")  # restarted


def test_threads_and_processes_recording_at_once_lose_nothing(closed_items: OpensClosedTodos) -> None:
    workers = [closed_items(), closed_items()]

    def closing(worker: int, thread: int) -> None:
        for n in range(40):
            workers[worker].record(f"WO-{worker}-{thread}-{n}-dsp1")

    threads = [threading.Thread(target=closing, args=(w, t)) for w in range(2) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(workers[1 - w].is_closed(f"WO-{w}-{t}-{n}-dsp1") for w in range(2) for t in range(4)
               for n in range(40))
    assert len(workers[0]) == 2 * 4 * 40


def test_the_wired_adapter_keeps_them_in_the_notice_books_file(tmp_path: Path) -> None:
    configured = load_settings()
    configured = replace(configured, bulletin=replace(configured.bulletin, path=tmp_path / "bulletin.db"),
                         adapters=(settings("oa"),))
    built = dependencies(configured, registry=registry())
    try:
        closed = built["closed_items"]
        assert isinstance(closed, ClosedItemsFile)
        assert (closed.path, closed.prefix) == (tmp_path / "onepoint-oa-notices.db", configured.topology_prefix)
        closed.record("WO20261123A7K2M9Q1-esc1-0")
    finally:
        close(built)
    with sqlite3.connect(tmp_path / "onepoint-oa-notices.db") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        kept = db.execute("SELECT prefix, item_id FROM oa_closed_todos").fetchall()
    assert {"oa_notice_versions", "oa_closed_todos"} <= tables
    assert kept == [(configured.topology_prefix, "WO20261123A7K2M9Q1-esc1-0")]
