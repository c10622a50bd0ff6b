"""Replays of one pass over a DLQ, a window of them in flight (`hub.workers.dlq`).

A replay is acked from its DLQ only once the broker confirmed it. Waiting for each confirm before the next letter
cost a broker round trip per letter (5,000 letters: one at a time); a window of ``REPLAY_WINDOW`` replays (or
``REPLAY_BYTES`` of their bodies) in flight costs about one per window. The window is settled in order:

* confirmed: the letter is acked and reported replayed;
* returned unroutable (its key routes nowhere: that letter only): reported failed and moved to the tail of its DLQ
  like a letter not picked (behind the letters moved while its replay was in flight: the one place where a pass
  with a window changes the kept letters' order);
* any other refusal (a full queue, an alarm, no confirm in time): reported failed or unknown, the letter kept; of
  the later replays in the window those already confirmed are acked, the rest kept; then `PassStopped`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace

from hub.transport.errors import UnroutableError
from hub.transport.message import Delivery, Message
from hub.workers.dead_letter import DeadLetter
from hub.workers.dlq_outcome import PassStopped, ReplayReport, outcome_unknown, summary
from hub.workers.replay import cleaned

__all__ = ["REPLAY_BYTES", "REPLAY_WINDOW", "InFlight", "Replays"]

REPLAY_WINDOW = 64  # replays in flight before the pass waits for their confirms
REPLAY_BYTES = 8 * 2**20  # ... or this many bytes of their bodies

log = logging.getLogger("onepoint.worker")

InFlight = tuple[Delivery, DeadLetter, "Future[None]"]


class Replays:
    """The replays of one pass awaiting their confirms. ``settled(delivery, letter, replayed)`` is told of each;
    ``move(delivery, copy)`` puts a letter whose replay was unroutable back at the tail; ``describe(exc, letter)``
    words a refusal (the queue's depth, an alarm) and tells whether the outcome is unknown."""

    def __init__(self, report: ReplayReport, dlq: str, confirm_timeout: float, *,
                 settled: Callable[[Delivery, DeadLetter, bool], None],
                 move: Callable[[Delivery, Message], None],
                 describe: Callable[[BaseException, DeadLetter], str]) -> None:
        self.report, self.dlq, self.confirm_timeout = report, dlq, confirm_timeout
        self._settled, self._move, self._describe = settled, move, describe
        self._flying: list[InFlight] = []
        self._bytes = 0

    @property
    def full(self) -> bool:
        return len(self._flying) >= REPLAY_WINDOW or self._bytes >= REPLAY_BYTES

    def add(self, delivery: Delivery, letter: DeadLetter, confirm: Future[None]) -> None:
        self._flying.append((delivery, letter, confirm))
        self._bytes += len(letter.message.body)

    def settle(self, *, raising: bool = True) -> None:
        """Wait for the window's confirms, in order (see the module's doc); empties the window."""
        flying, self._flying, self._bytes = self._flying, [], 0
        stop: PassStopped | None = None
        for delivery, letter, confirm in flying:
            if stop is not None:  # after a refusal: only what the broker already confirmed is taken
                if confirm.done() and confirm.exception(timeout=0) is None:
                    self._replayed(delivery, letter)
                else:
                    delivery.nack(requeue=True)
                continue
            try:
                confirm.result(timeout=self.confirm_timeout)
            except UnroutableError as exc:  # this letter's key only: the others may be routed
                log.error("replay failed; the message stays in the DLQ",
                          extra={"message_id": letter.message_id, "consumer": letter.consumer, "error": str(exc)})
                self.report.failed.append((summary(letter), str(exc)))
                self._move(delivery, replace(cleaned(delivery.message), routing_key=self.dlq))
                self._settled(delivery, letter, False)
            except Exception as exc:
                delivery.nack(requeue=True)  # refused or unknown: it stays in the DLQ
                reason = self._describe(exc, letter)
                (self.report.unknown if outcome_unknown(exc) else self.report.failed).append((summary(letter), reason))
                stop = PassStopped(reason, self.dlq)
                stop.__cause__ = exc
            else:
                self._replayed(delivery, letter)
        if stop is not None and raising:
            raise stop

    def _replayed(self, delivery: Delivery, letter: DeadLetter) -> None:
        delivery.ack()
        self.report.replayed.append(summary(letter))
        self._settled(delivery, letter, True)


