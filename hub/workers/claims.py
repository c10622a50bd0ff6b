"""What a processed store offers a batch worker: many messages claimed, run and recorded in one transaction.

A store that can (the work-order store: ``WorkOrderProcessedStore``) implements ``BatchClaims``: ``run_claims``
runs each effect in its own savepoint of one transaction (an effect that raises undoes only its own changes),
records every outcome *and answer* with its id, calls ``before_commit`` (the batch's outbound confirms) and
commits once. A duplicate id (recorded before, or twice in the batch) skips its effect and carries the recorded
outcome and answer back, as a single claim does. ``hub.workers.batch`` builds the worker's batch mode on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["BatchClaims", "ClaimEffect", "ClaimResult"]

ClaimEffect = Callable[[], tuple[str, bytes | None]]
"""A message's effect: runs inside the batch's transaction, returns (outcome, the answer to record or None)."""


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """What ``run_claims`` did with one id: ran its effect (recorded), skipped it as a ``duplicate`` (the recorded
    outcome and answer), found it held by another transaction (``busy``), or undid it (``error``: not recorded)."""

    message_id: str
    ran: bool = False
    duplicate: bool = False
    busy: bool = False
    outcome: str | None = None
    reply: bytes | None = None
    error: Exception | None = None


@runtime_checkable
class BatchClaims(Protocol):
    """A processed store that runs a batch of claims in one transaction (see the module docstring)."""

    max_batch: int  # the batch size it is configured for (1: no batches)

    def run_claims(self, items: Sequence[tuple[str, ClaimEffect]],
                   before_commit: Callable[[], None]) -> list[ClaimResult]:
        """Run and record the batch, then ``before_commit()``, then commit. If anything raises outside the
        effects (``before_commit``, the database, ``ClaimBusyError`` for the whole batch) everything is rolled
        back and the exception propagates: nothing of the batch is recorded."""
        ...
