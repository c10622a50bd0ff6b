"""The processed-message store: each message id takes effect once, however often it is delivered.

The id a worker claims is its key ``"<consumer>:<source system>/<MessageId>"`` (``hub.store.keys``): the same
MessageId from two systems is two messages. A claim of such a key finds a record written under its former key
(``"<consumer>:<MessageId>"``, before the source was part of it) too, so nothing runs twice across the upgrade.

Use it as ``claim → effect → complete → ack``::

    try:
        with store.claim(delivery.message.message_id) as claim:
            if not claim.duplicate:
                outcome = do_the_effect(delivery.message)   # commit it *inside* the block
                claim.complete(outcome)
    except ClaimBusyError:
        delivery.nack(requeue=True)   # another worker is processing the same id right now
    else:
        delivery.ack()                # only after the record is committed

* A redelivered message whose id is recorded is a ``duplicate``: its effect is skipped and it is acked.
* ``complete(outcome, reply=document)`` records a request's answer with the outcome, in the same write: a
  duplicate's claim carries it back (``claim.reply``), so a redelivered request gets the same answer again.
* If the block raises, the claim is released (nothing recorded) and the message can be processed again.
* An outcome reached is recorded before ``claim`` returns, even across an outage of the store's database (the
  shared PostgreSQL store writes it again until the database answers: ``hub.store.postgres_recording``); where
  another worker recorded the id first, that record stays and the claim's ``outcome`` and ``reply`` are its.
* A claim holds a lease: if the process dies mid-effect, another worker may take the id once the lease
  expires, or at once where the store can tell that the owning process is gone (SQLite: ``hub.store.owner``).
  The lease is short (``DEFAULT_LEASE_SECONDS``) and renewed while the effect runs (``hub.store.lease``), so a
  slow effect keeps its claim and a crashed worker's claims are free within seconds. An effect outside the
  store (a SOAP call) that completed just before a crash can thus run again: such effects must themselves be
  idempotent on the message id (the backends get it).

``process_once()`` wraps exactly this sequence for a ``Delivery``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import ClassVar

from hub.store.keys import former_key
from hub.store.lease import LeaseKeeper
from hub.values import value_class

__all__ = ["DEFAULT_LEASE_SECONDS", "BatchOutcome", "Claim", "ClaimBusyError", "ProcessedStore", "Recorded"]


DEFAULT_LEASE_SECONDS = 30.0  # renewed every third of it while the effect runs (``LeaseKeeper``)


class ClaimBusyError(Exception):
    """Another live claim holds this message id."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the store holds for a processed id: its outcome and, for a request, the answer sent back."""

    outcome: str
    reply: bytes | None = None


@dataclass(slots=True)
class Claim:
    message_id: str
    duplicate: bool
    outcome: str | None = None  # the recorded outcome of a duplicate, or what ``complete`` set
    completed: bool = False
    reply: bytes | None = None  # the recorded answer of a duplicate request, or what ``complete`` set

    def complete(self, outcome: str = "done", *, reply: bytes | None = None) -> None:
        if self.duplicate:
            raise RuntimeError(f"message {self.message_id} was already processed")
        self.outcome = outcome
        self.reply = reply
        self.completed = True


@value_class
class BatchOutcome:
    """What ``run_batch`` did with one message id: ran its effect, skipped it as a duplicate, found it held
    by another worker (``busy``), or recorded nothing because the effect raised (``error``)."""

    message_id: str
    ran: bool = False
    duplicate: bool = False
    busy: bool = False
    outcome: str | None = None
    error: Exception | None = None


class ProcessedStore(ABC):
    """Thread-safe record of processed message ids and their outcomes."""

    # whether a command's record keeps its fingerprint (``hub.workers.fingerprint``): a reused id is then
    # dead-lettered, not dropped as a duplicate. False where answers are kept only for a while (memory).
    keeps_fingerprints: ClassVar[bool] = True
    # whether ``_renew`` extends open claims' leases: a ``LeaseKeeper`` then calls it every third of the lease
    renews_leases: ClassVar[bool] = False

    def __init__(self, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> None:
        self.lease_seconds = lease_seconds
        interval = lease_seconds / 3 if self.renews_leases else 0.0
        self._lease_keeper = LeaseKeeper(self._renew, interval)

    def _renew(self, message_ids: Sequence[str]) -> None:
        """Extend the leases of this process's open claims of ``message_ids`` (``renews_leases`` stores)."""
        return None

    @abstractmethod
    def outcome(self, message_id: str) -> str | None:
        """The recorded outcome, or None if the id was never recorded."""

    def seen(self, message_id: str) -> bool:
        return self.outcome(message_id) is not None

    @abstractmethod
    def reply(self, message_id: str) -> bytes | None:
        """The recorded answer of a processed request, or None."""

    def recorded(self, message_id: str) -> Recorded | None:
        """The record of ``message_id`` (its outcome and answer), or None if it was never recorded."""
        outcome = self.outcome(message_id)
        return None if outcome is None else Recorded(outcome, self.reply(message_id))

    def _former_record(self, message_id: str) -> Recorded | None:
        """The record of the message of ``message_id`` under its former key (``hub.store.keys``), if any: read
        before the claim (nothing writes former keys any more, so nothing can come between)."""
        former = former_key(message_id)
        return None if former is None else self.recorded(former)

    @abstractmethod
    def record(self, message_id: str, outcome: str = "done", *, reply: bytes | None = None) -> bool:
        """Record an id as processed; False if it was already recorded (the earlier outcome stays)."""

    @abstractmethod
    def _acquire(self, message_id: str) -> Recorded | None:
        """Take a lease on the id. Returns the record if already processed, raises ``ClaimBusyError``."""

    @abstractmethod
    def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> Recorded | None:
        """Record ``outcome`` and ``reply`` in one write (or release the lease if ``outcome`` is None). A store that
        can find another record of the id already there keeps it and returns it (None: the one given)."""

    @abstractmethod
    def count(self) -> int:
        """How many ids are recorded as processed."""

    def close(self) -> None:
        self._lease_keeper.close()

    def attempt(self, message_id: str) -> AbstractContextManager[None]:
        """One attempt of the effect of ``message_id``'s open claim. A store whose transaction holds the effect
        undoes what a failed attempt did (a savepoint), so an in-process retry does not do it twice."""
        return nullcontext()

    @contextmanager
    def claim(self, message_id: str) -> Iterator[Claim]:
        prior = self._former_record(message_id) or self._acquire(message_id)
        if prior is not None:
            yield Claim(message_id, duplicate=True, outcome=prior.outcome, reply=prior.reply)
            return
        claim = Claim(message_id, duplicate=False)
        self._lease_keeper.hold(message_id)
        try:
            try:
                yield claim
            except BaseException:
                self._finish(message_id, None)
                raise
            if claim.completed:
                recorded = self._finish(message_id, claim.outcome, claim.reply)
                if recorded is not None:  # the record the id has: ours, or another worker's written first
                    claim.outcome, claim.reply = recorded.outcome, recorded.reply
            else:
                self._finish(message_id, None)
        finally:
            self._lease_keeper.release(message_id)

    def run_once(self, message_id: str, effect: Callable[[], str]) -> tuple[bool, str]:
        """Run ``effect`` unless the id was processed; returns (ran, outcome)."""
        with self.claim(message_id) as claim:
            if claim.duplicate:
                return False, claim.outcome or ""
            claim.complete(effect())
        return True, claim.outcome or ""  # as recorded (``claim`` returned)

    def run_batch(self, items: Sequence[tuple[str, Callable[[], str]]]) -> list[BatchOutcome]:
        """Run each ``(message id, effect)`` unless its id was processed, and record the outcomes.

        When this returns, every outcome is committed. This default claims and records one id at a time;
        a store that can (SQLite) runs the whole batch in one write transaction, so effects must then be
        local and short. An effect that raises records nothing for its id; the others are unaffected.
        """
        results: list[BatchOutcome] = []
        for message_id, effect in items:
            try:
                with self.claim(message_id) as claim:
                    if not claim.duplicate:
                        claim.complete(effect())
            except ClaimBusyError:
                results.append(BatchOutcome(message_id, busy=True))
            except Exception as exc:
                results.append(BatchOutcome(message_id, error=exc))
            else:
                results.append(BatchOutcome(message_id, ran=not claim.duplicate, duplicate=claim.duplicate,
                                            outcome=claim.outcome))
        return results
