"""Letters moved to the tail of their DLQ, a window of them at a time (`hub.workers.dlq` says why moves).

A moved copy is published and, once the broker confirmed it, its original is acked. Awaiting each copy's confirm
before the next get would cost a broker round trip per letter; a window of copies in flight costs about one
(bench/README.md, "dlq list"). The window is bounded in count and in body bytes, so that a DLQ of 1 MiB letters
does not hold hundreds of them in memory at once.
"""

from __future__ import annotations

from concurrent.futures import Future

from hub.transport.broker import Broker
from hub.transport.message import Delivery, Message
from hub.workers.dlq_outcome import PassStopped, refusal

__all__ = ["MOVE_BYTES", "MOVE_WINDOW", "Moves"]

MOVE_WINDOW = 256  # copies in flight before the pass waits for their confirms
MOVE_BYTES = 8 * 2**20  # ... or this many bytes of their bodies


class Moves:
    """The copies of one pass over ``dlq`` awaiting their confirms."""

    def __init__(self, broker: Broker, dlq: str, confirm_timeout: float) -> None:
        self.broker, self.dlq, self.confirm_timeout = broker, dlq, confirm_timeout
        self._moving: list[tuple[Delivery, Future[None]]] = []
        self._bytes = 0

    @property
    def full(self) -> bool:
        """Whether the window is full: time to `settle`."""
        return len(self._moving) >= MOVE_WINDOW or self._bytes >= MOVE_BYTES

    def add(self, delivery: Delivery, copy: Message) -> None:
        """Publish the moved ``copy`` of ``delivery``'s letter (its confirm awaited by `settle`); if even that
        fails, the original goes back to the DLQ and the error is raised."""
        try:
            self._moving.append((delivery, self.broker.publish("", copy)))
        except BaseException:
            delivery.nack(requeue=True)
            raise
        self._bytes += len(copy.body)

    def settle(self, *, raising: bool = True) -> None:
        """Wait for the copies' confirms, in order: ack each original whose copy the broker confirmed; once one
        fails, requeue that original and every later one (their copies may be in the DLQ too: the same id twice,
        which a replay takes once) and raise `PassStopped` with the first error (unless not ``raising``). Empties
        the window."""
        error: BaseException | None = None
        for delivery, confirm in self._moving:
            if error is None:
                try:
                    confirm.result(timeout=self.confirm_timeout)
                except BaseException as exc:
                    error = exc
                else:
                    delivery.ack()
                    continue
            delivery.nack(requeue=True)
        self._moving.clear()
        self._bytes = 0
        if error is not None and raising:
            reason = self.broker.unready_reason() or refusal(error, self.dlq, None)
            raise PassStopped(f"a letter could not be moved back into {self.dlq}: {reason}", self.dlq) from error
