"""The OA adapter's two records on PostgreSQL (``PostgresNoticeBook``, ``PostgresClosedTodos``: the deployment's
shared database, ``[workers] processed_store``) behave as in the SQLite file: the cases the file's tests check
(tests/unit/adapters/oa), run on both, each "process" its own connection (its own engine on PostgreSQL, as on
another machine); and judged one after the other under concurrency: two first revisions of a notice at once, one
item's pushes from several processes, closes recorded from several threads and processes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.oa import (
    ClosedTodos,
    ClosedTodosFile,
    NoticeBookFile,
    NoticeVersion,
    PostgresClosedTodos,
    PostgresNoticeBook,
    ToReadVersions,
)
from adapters.oa.notice_book import NoticeBook

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

DAY = 86_400.0
ITEM = "toread-FLT-1-mgr-a"
ACTIVE_R1, CLEARED_R2, ACTIVE_R3 = NoticeVersion(1, False), NoticeVersion(2, True), NoticeVersion(3, False)

Opens = Callable[..., Any]  # (prefix=..., options) -> a book or a closed to-dos record, a process's own


@pytest.fixture(params=["file", "postgres"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The file's path, or the URL of a database of its own (the processed store's, as wired)."""
    if request.param == "file":
        return str(tmp_path / "onepoint-oa-notices.db")
    return str(request.getfixturevalue("postgres_server").create_database())


@pytest.fixture
def opened() -> Iterator[list[Any]]:
    records: list[Any] = []
    yield records
    for record in records:
        record.close()


@pytest.fixture
def book(where: str, opened: list[Any]) -> Callable[..., NoticeBook]:
    def make(prefix: str = "onepoint") -> NoticeBook:
        made: NoticeBook = (PostgresNoticeBook(where, prefix=prefix) if where.startswith("postgresql")
                            else NoticeBookFile(where, prefix=prefix))
        return made

    return make


@pytest.fixture
def versions(book: Callable[..., NoticeBook], opened: list[Any]) -> Callable[..., ToReadVersions]:
    def make(prefix: str = "onepoint", **options: Any) -> ToReadVersions:
        made = ToReadVersions(book=book(prefix), **options)
        opened.append(made)
        return made

    return make


@pytest.fixture
def closed_todos(where: str, opened: list[Any]) -> Callable[..., ClosedTodos]:
    def make(**options: Any) -> ClosedTodos:
        made: ClosedTodos = (PostgresClosedTodos(where, **options) if where.startswith("postgresql")
                             else ClosedTodosFile(where, **options))
        opened.append(made)
        return made

    return make


# The notice book


def test_a_restarted_worker_judges_a_stale_revision_against_the_record(
        versions: Callable[..., ToReadVersions]) -> None:
    first = versions()
    assert first.offer("FLT-1", CLEARED_R2, "cleared", "m-cleared")[:2] == ("newer", 1)
    first.close()
    restarted = versions()
    assert restarted.kept_revision("FLT-1") == 2
    assert restarted.offer("FLT-1", ACTIVE_R1, "active", "m-late")[:2] == ("stale", 1)
    assert restarted.offer("FLT-1", CLEARED_R2, "cleared", "m-resent")[:2] == ("unchanged", 1)
    assert restarted.offer("FLT-1", CLEARED_R2, "cleared", "m-cleared")[:2] == ("newer", 1)  # its own retry
    assert restarted.offer("FLT-1", ACTIVE_R3, "reopened", "m-r3")[:2] == ("newer", 2)


def test_two_workers_see_each_others_versions_each_hub_its_own(versions: Callable[..., ToReadVersions]) -> None:
    one, two, other = versions(), versions(), versions("other-hub")
    assert one.offer("FLT-1", ACTIVE_R1, "active", "m-1")[:2] == ("newer", 1)
    assert two.offer("FLT-1", CLEARED_R2, "cleared", "m-2")[:2] == ("newer", 2)
    assert one.offer("FLT-1", ACTIVE_R1, "active", "m-3")[:2] == ("stale", 2)
    assert other.offer("FLT-1", ACTIVE_R1, "active", "m-4")[:2] == ("newer", 1)


def test_a_cleared_notices_records_are_pruned_after_the_retention(versions: Callable[..., ToReadVersions]) -> None:
    now = [1_000_000.0]
    kept = versions(keep_seconds=7 * DAY, clock=lambda: now[0])
    for notice_id, version in (("FLT-1", CLEARED_R2), ("FLT-2", ACTIVE_R1)):
        kept.offer(notice_id, version, "x", f"m-{notice_id}", managers=("mgr-a",),
                   announce=lambda user, n=notice_id: (f"toread-{n}-{user}", "x"))  # type: ignore[misc]
    now[0] += 7 * DAY + 1
    kept.offer("FLT-3", ACTIVE_R1, "x", "m-FLT-3")  # each accepted version prunes
    assert kept.kept_revision("FLT-1") is None and kept.kept_revision("FLT-2") == 1
    with kept.book.page() as page:
        assert page.item("toread-FLT-1-mgr-a") is None and page.item("toread-FLT-2-mgr-a") is not None


def offer(versions: ToReadVersions, version: NoticeVersion, content: str) -> None:
    assert versions.offer("FLT-1", version, content, f"m-{content}", managers=("mgr-a",),
                          announce=lambda user: (ITEM, content)).verdict == "newer"


def test_a_push_of_revision_1_after_the_clearance_pushed_elsewhere_is_skipped(
        versions: Callable[..., ToReadVersions]) -> None:
    a, b = versions(), versions()
    offer(a, ACTIVE_R1, "r1")
    offer(b, CLEARED_R2, "r2")
    with b.pushing(ITEM, "r2") as wanted:
        assert wanted
    with a.pushing(ITEM, "r1") as wanted:  # A's own push of revision 1, redelivered or late
        assert not wanted
    with b.pushing(ITEM, "r2") as wanted:  # OA shows it already
        assert not wanted


def pushed_and_failed(versions: ToReadVersions) -> None:
    with versions.pushing(ITEM, "r1") as wanted:
        assert wanted
        raise ConnectionError("OA did not answer")


def test_a_push_that_failed_is_made_again_by_the_other_worker(versions: Callable[..., ToReadVersions]) -> None:
    a, b = versions(), versions()
    offer(a, ACTIVE_R1, "r1")
    with pytest.raises(ConnectionError):
        pushed_and_failed(a)
    with b.pushing(ITEM, "r1") as wanted:
        assert wanted


def test_an_items_pushes_never_overlap_across_processes(versions: Callable[..., ToReadVersions]) -> None:
    workers = [versions(), versions()]
    offer(workers[0], ACTIVE_R1, "r1")
    inside, overlaps, pushed = [0], [0], [0]
    guard, start = threading.Lock(), threading.Barrier(8)

    def push(worker: ToReadVersions) -> None:
        start.wait()
        with worker.pushing(ITEM, "r1") as wanted:
            if wanted:
                with guard:
                    inside[0] += 1
                    overlaps[0] += inside[0] > 1
                    pushed[0] += 1
                threading.Event().wait(0.05)  # OA taking the push
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=push, args=(workers[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert (overlaps[0], pushed[0]) == (0, 1)  # one push made, the others found OA showing it


def test_a_lease_a_dead_worker_left_is_taken_over_once_expired(versions: Callable[..., ToReadVersions]) -> None:
    now = [1000.0]
    a, b = versions(lease_seconds=60.0, clock=lambda: now[0]), versions(lease_seconds=60.0, clock=lambda: now[0])
    offer(a, ACTIVE_R1, "r1")
    dead = a.pushing(ITEM, "r1")
    assert dead.__enter__()  # the worker died pushing: its lease stays in the record
    offer(b, CLEARED_R2, "r2")
    now[0] += 61.0
    with b.pushing(ITEM, "r2") as wanted:
        assert wanted
    dead.__exit__(None, None, None)
    with b.pushing(ITEM, "r1") as wanted:
        assert not wanted


def test_two_first_revisions_at_once_are_judged_one_after_the_other(
        versions: Callable[..., ToReadVersions]) -> None:
    """Eight workers (two processes' threads) get the first version of a notice at once (NSP's resends): one
    accepts it, the others find it kept, though no row of the notice existed to lock."""
    workers, start, verdicts = [versions(), versions()], threading.Barrier(8), []

    def judge(n: int) -> None:
        start.wait()
        verdicts.append(workers[n % 2].offer("FLT-9", ACTIVE_R1, "same", f"m-{n}", managers=("mgr-a",),
                                             announce=lambda user: (f"toread-FLT-9-{user}", f"c-{n}"))[:2])

    threads = [threading.Thread(target=judge, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(verdicts) == [("newer", 1)] + [("unchanged", 1)] * 7


# The closed to-dos


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_closed_item_is_recorded_and_no_other(closed_todos: Callable[..., ClosedTodos]) -> None:
    record = closed_todos()
    assert not record.is_closed("WO20261123A7K2M9Q1-dsp1")
    record.record("WO20261123A7K2M9Q1-dsp1")
    record.record("WO20261123A7K2M9Q1-dsp1")  # a redelivered close: one record
    assert record.is_closed("WO20261123A7K2M9Q1-dsp1")
    assert not record.is_closed("WO20261123A7K2M9Q1-dsp2") and not record.is_closed("WO20261123A7K2M9Q1-esc1-0")
    assert len(record) == 1


def test_records_are_kept_seven_days_then_pruned_in_bounded_batches(
        closed_todos: Callable[..., ClosedTodos]) -> None:
    clock = Clock()
    record = closed_todos(clock=clock, prune_batch=3)
    for n in range(10):
        record.record(f"old-{n}")
        clock.now += 1
    clock.now += 7 * DAY - 20
    assert record.is_closed("old-0")
    clock.now += 30
    assert not record.is_closed("old-0") and not record.is_closed("old-9")
    record.record("new-1")
    assert len(record) == 10 - 3 + 1  # each record prunes at most 3
    for n in (2, 3, 4):
        record.record(f"new-{n}")
    assert len(record) == 4
    assert all(record.is_closed(f"new-{n}") for n in range(1, 5))


def test_a_redelivered_close_renews_the_record(closed_todos: Callable[..., ClosedTodos]) -> None:
    clock = Clock()
    record = closed_todos(clock=clock)
    record.record("WO20261123A7K2M9Q1-dsp1")
    clock.now += 6 * DAY
    record.record("WO20261123A7K2M9Q1-dsp1")
    clock.now += 6 * DAY
    assert record.is_closed("WO20261123A7K2M9Q1-dsp1")


def test_the_workers_share_the_record_over_restarts_each_hub_its_own(
        closed_todos: Callable[..., ClosedTodos]) -> None:
    one, two, other = closed_todos(), closed_todos(), closed_todos(prefix="other-hub")
    one.record("WO20261123A7K2M9Q1-dsp1")
    assert two.is_closed("WO20261123A7K2M9Q1-dsp1") and not other.is_closed("WO20261123A7K2M9Q1-dsp1")
    one.close()
    assert closed_todos().is_closed("WO20261123A7K2M9Q1-dsp1")  # restarted


def test_threads_and_processes_recording_at_once_lose_nothing(closed_todos: Callable[..., ClosedTodos]) -> None:
    workers = [closed_todos(), closed_todos()]

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
