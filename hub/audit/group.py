"""``GroupCommit``: threads that commit at the same time share one transaction, each returning once it is committed.

The first thread to submit leads: it commits the batch of everything submitted so far (at most ``max_batch``),
hands each submitter its own result (or the exception of the batch) and then passes the lead to the oldest
submitter still waiting, whose batch holds what came in meanwhile. Nobody returns before the transaction that
holds its item is committed; a batch that fails is tried again one item at a time, so one bad item fails only
its own submitter.

Used by the audit log: eight handler threads that each committed their own row (a ``BEGIN IMMEDIATE``, the head,
the anchor, the row, the anchor again, the fsync'd ``COMMIT``; the GIL released around every statement) now
commit the rows waiting together (bench/README.md, flows, 2026-12-04).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

T = TypeVar("T")
R = TypeVar("R")


class _Slot(Generic[T, R]):
    __slots__ = ("error", "finished", "item", "lead", "result", "wake")

    def __init__(self, item: T) -> None:
        self.item = item
        self.wake = threading.Event()
        self.finished = False
        self.lead = False
        self.result: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[T, R]):
    """``submit(item)``: what ``commit([..., item, ...])`` returned for it, once committed (``commit`` returns one
    result per item, in order)."""

    def __init__(self, commit: Callable[[Sequence[T]], Sequence[R]], *, max_batch: int = 64) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._commit = commit
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: deque[_Slot[T, R]] = deque()
        self._leading = False  # invariant: something pending => a leader is on its way

    def submit(self, item: T) -> R:
        slot: _Slot[T, R] = _Slot(item)
        with self._lock:
            self._pending.append(slot)
            lead, self._leading = not self._leading, True
        if not lead:
            slot.wake.wait()
        if not slot.finished:  # leading (first, or handed the lead): our own item is in the batch we take
            self._lead()
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set with finished, no error

    def waiting(self) -> int:
        """How many submitters wait for a transaction to take their item."""
        with self._lock:
            return len(self._pending)

    def _lead(self) -> None:
        with self._lock:
            batch = [self._pending.popleft() for _ in range(min(len(self._pending), self._max_batch))]
        try:
            self._run(batch)
        finally:
            with self._lock:
                if self._pending:
                    successor = self._pending[0]
                    successor.lead = True
                    successor.wake.set()
                else:
                    self._leading = False

    def _run(self, batch: list[_Slot[T, R]]) -> None:
        try:
            results = self._commit([slot.item for slot in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"commit returned {len(results)} results for {len(batch)} items")
        except BaseException as exc:
            if len(batch) == 1:
                self._finish(batch[0], None, exc)
                return
            for slot in batch:  # one at a time: a bad item fails alone
                try:
                    result = self._commit([slot.item])[0]
                except BaseException as single:
                    self._finish(slot, None, single)
                else:
                    self._finish(slot, result, None)
            return
        for slot, result in zip(batch, results, strict=True):
            self._finish(slot, result, None)

    @staticmethod
    def _finish(slot: _Slot[T, R], result: R | None, error: BaseException | None) -> None:
        slot.result, slot.error, slot.finished = result, error, True
        slot.wake.set()
