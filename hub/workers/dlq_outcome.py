"""What a pass over the DLQs reports: the replay's outcome per letter, and why a pass stopped early.

**A pass stops at the first refusal.** When the broker refuses a publish (a consumer queue at its max length, a
memory or disk alarm blocking publishes, a nack, the connection gone), every later letter would meet the same
refusal, each after the whole publish deadline: the pass ends there instead (`PassStopped`), and the letters it
did not reach stay in their DLQ. A letter is never both replayed and kept when the outcome is known: a refused
replay is kept; a confirmed one is acked. Only a replay published but not confirmed in time (the broker blocked it
after reading it, the connection went) has an unknown outcome: it is kept in the DLQ *and* may be delivered, and
the report says exactly that (`ReplayReport.unknown`) -- the worker's idempotency (the original message id) takes
such a message once if it is replayed again.

Letters are kept without their bodies (`summary`): a pass over thousands of letters of up to 1 MiB holds only
their headers.
"""

from __future__ import annotations

from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace

from hub.transport.errors import PublishNackedError, PublishOutcomeUnknownError, QueueFullError, TransportError
from hub.workers.dead_letter import DeadLetter

__all__ = ["PassStopped", "ReplayReport", "outcome_unknown", "refusal", "summary"]


class PassStopped(TransportError):
    """A pass over a DLQ ended before its last letter because the broker refused a publish: ``reason`` says why;
    the letters not reached are still in their DLQ."""

    def __init__(self, reason: str, dlq: str) -> None:
        super().__init__(f"{reason}; the pass over {dlq} stopped there: the letters not handled stay in it")
        self.reason = reason
        self.dlq = dlq


@dataclass(slots=True)
class ReplayReport:
    replayed: list[DeadLetter] = field(default_factory=list)  # confirmed by the broker, acked from the DLQ
    failed: list[tuple[DeadLetter, str]] = field(default_factory=list)  # kept in the DLQ, with the error
    # published but not confirmed in time: kept in the DLQ, and may still be delivered (a copy in both places)
    unknown: list[tuple[DeadLetter, str]] = field(default_factory=list)
    stopped: str | None = None  # why the replay ended early (the letters not reached stay in their DLQ)


def summary(letter: DeadLetter) -> DeadLetter:
    """The letter without its body: what a listing or a report keeps of it."""
    return letter if not letter.message.body else DeadLetter(letter.consumer, replace(letter.message, body=b""))


def outcome_unknown(exc: BaseException) -> bool:
    """Whether a failed publish may still have been stored: written but not confirmed (our wait or the
    publisher's deadline ran out)."""
    return isinstance(exc, PublishOutcomeUnknownError | FutureTimeout)


def refusal(exc: BaseException, queue: str, depth: int | None) -> str:
    """The reason a replay publish to ``queue`` (holding ``depth`` ready messages, when known) failed, in words."""
    if isinstance(exc, QueueFullError):
        return f"{exc}: start or scale its workers, or wait for them to drain it"
    if isinstance(exc, PublishNackedError):
        held = "" if depth is None else f" (holding {depth} messages)"
        return (f"the broker refused the replay (nacked until the deadline): queue {queue}{held} is probably full "
                "(at its max length, [broker] max_queue_length): start or scale its workers, or wait for them to "
                "drain it")
    if outcome_unknown(exc):
        return (f"not confirmed in time ({exc or type(exc).__name__}): the outcome is unknown, the letter is kept in "
                "the DLQ and may also have been delivered (a later replay of it is taken once: same message id)")
    return f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc)
