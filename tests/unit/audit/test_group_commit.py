"""GroupCommit: submitters waiting while a transaction commits share the next one; each gets its own result only
once its batch is committed; a failing batch is retried item by item so a bad item fails alone."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pytest

from hub.audit.group import GroupCommit

pytestmark = pytest.mark.unit


class Recorder:
    """A commit that holds its first batch until ``release`` is set, recording every batch and what it held."""

    def __init__(self, bad: frozenset[int] = frozenset()) -> None:
        self.batches: list[list[int]] = []
        self.committed: set[int] = set()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.bad = bad

    def __call__(self, items: Sequence[int]) -> list[str]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(10)
        if self.bad & set(items):
            raise ValueError(f"bad item in {list(items)}")
        self.committed.update(items)
        return [f"row {item}" for item in items]


def run(group: GroupCommit[int, str], items: range, results: dict[int, object]) -> list[threading.Thread]:
    def submit(item: int) -> None:
        try:
            results[item] = group.submit(item)
        except ValueError as exc:
            results[item] = exc

    threads = [threading.Thread(target=submit, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    return threads


def _nobody_answered_yet(results: dict[int, object]) -> None:
    assert results == {}  # nobody is answered before its batch is committed


def while_one_commits(commit: Recorder, group: GroupCommit[int, str],
                      before_release: Callable[[dict[int, object]], None] = lambda _: None) -> dict[int, object]:
    """Item 0 submitted and its commit held; items 1-5 submitted and waiting; ``before_release`` looks; then the
    commit goes on and every submitter is joined. Returns each item's result."""
    results: dict[int, object] = {}
    first = run(group, range(0, 1), results)
    assert commit.entered.wait(10)
    others = run(group, range(1, 6), results)
    while group.waiting() < 5:
        threading.Event().wait(0.001)
    before_release(results)
    commit.release.set()
    for thread in first + others:
        thread.join(10)
    return results


def test_submitters_waiting_during_a_commit_share_the_next_and_each_gets_its_own_result() -> None:
    commit = Recorder()
    group = GroupCommit(commit)
    results = while_one_commits(commit, group, _nobody_answered_yet)
    assert len(commit.batches) == 2 and sorted(commit.batches[1]) == [1, 2, 3, 4, 5]
    assert results == {n: f"row {n}" for n in range(6)}


def test_a_bad_item_fails_alone_and_the_rest_of_its_batch_is_committed() -> None:
    commit = Recorder(bad=frozenset({3}))
    group = GroupCommit(commit)
    results = while_one_commits(commit, group)
    assert isinstance(results.pop(3), ValueError)
    assert results == {n: f"row {n}" for n in (0, 1, 2, 4, 5)}
    assert commit.committed == {0, 1, 2, 4, 5}


def test_a_batch_is_at_most_max_batch_items_and_the_lead_passes_on() -> None:
    commit = Recorder()
    group = GroupCommit(commit, max_batch=2)
    results = while_one_commits(commit, group)
    assert [len(batch) for batch in commit.batches] == [1, 2, 2, 1]
    assert results == {n: f"row {n}" for n in range(6)}
