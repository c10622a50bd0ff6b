"""Recording an outcome that was reached, across an outage of the shared store's database.

Once a handler's effect is done (BOSS changed), its outcome *must* be recorded before the message is settled: a
message settled as a failure comes back, its claim stays ``claimed`` by this live process (BUSY for the rest of the
lease), and once the lease runs out it is taken over and the effect runs a second time. So when the database cannot
be reached as the outcome is written (a PostgreSQL restart, a failover), ``OutcomeRecorder`` keeps the message
(unsettled: RabbitMQ does not redeliver it) and writes again with a bounded backoff (``FIRST_WAIT`` doubling up to
``LONGEST_WAIT``, tenacity) until the database answers, however long that takes; the claim's lease is renewed
meanwhile by the store's ``LeaseKeeper`` (its renewals fail while the database is down and succeed once it is back).
Only a lost connection is waited out; any other error of the write is raised at once, as before.

The write is idempotent (``PostgresProcessedStore._write_record``): an upsert that never overwrites a record, which
reads the record already there. If an earlier try's COMMIT went through and only its answer was lost, the retry finds
that record (ours) and writes nothing more; if another worker recorded the id first, its record stays and is what the
claim reports.

The wait ends early only when the store is closed (``stopping``): the last error is raised (or what the store's
``outage`` hook, ``hub.system.store_outage``, makes of it: the message waits in a delay tier, no attempt counted),
nothing is recorded, and the message comes back under the claim's lease rules.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_when_event_set, wait_exponential

from hub.observability.quiet import short_reason
from hub.store.base import Recorded

__all__ = ["FIRST_WAIT", "LONGEST_WAIT", "OutcomeRecorder", "connection_lost"]

FIRST_WAIT = 0.25  # seconds before the second write
LONGEST_WAIT = 2.0  # the longest wait between two writes: the record lands soon after the database is back
STILL_WAITING_EVERY = 60.0  # seconds between two "still waiting" log lines of one message

log = logging.getLogger("onepoint.store")


def connection_lost(exc: BaseException) -> bool:
    """The database could not be reached, or the connection dropped: whether the write committed is unknown."""
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
        return True
    return isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated


class OutcomeRecorder:
    """Writes one reached outcome until the database takes it (see the module docstring)."""

    def __init__(self, consumer: str, stopping: threading.Event, *,
                 reason: Callable[[Exception], str] = short_reason,
                 first_wait: float = FIRST_WAIT, longest_wait: float = LONGEST_WAIT,
                 sleep: Callable[[float], None] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.consumer = consumer
        self._stopping = stopping
        self._reason = reason  # why the database cannot be reached: the store's probe's reason when it knows one
        self._wait = wait_exponential(multiplier=first_wait, max=longest_wait)
        self._sleep = sleep or self._until_stopped
        self._clock = clock

    def record(self, message_id: str, write: Callable[[], Recorded]) -> Recorded:
        """``write()``'s record, once a write was answered; raises the last error if the store stops first."""
        started = self._clock()
        logged = [started]

        def waiting(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            reason = self._reason(exc) if isinstance(exc, Exception) else "unknown"
            now = self._clock()
            if state.attempt_number == 1:
                log.warning("outcome reached but its record cannot reach the processed store's database: the message "
                            "is kept (unsettled) and its record written again until the database answers",
                            extra={"consumer": self.consumer, "message_id": message_id, "reason": reason})
            elif now - logged[0] >= STILL_WAITING_EVERY:
                logged[0] = now
                log.warning("outcome still waiting for the processed store's database",
                            extra={"consumer": self.consumer, "message_id": message_id, "reason": reason,
                                   "waited_seconds": round(now - started, 1)})

        retrying = Retrying(retry=retry_if_exception(connection_lost), wait=self._wait,
                            stop=stop_when_event_set(self._stopping), sleep=self._sleep, before_sleep=waiting,
                            reraise=True)
        try:
            recorded = retrying(write)
        except Exception as exc:
            if connection_lost(exc) and self._stopping.is_set():
                log.warning("outcome reached but not recorded: the store closed while its database was down; the "
                            "message comes back and its claim's lease decides whether it runs again",
                            extra={"consumer": self.consumer, "message_id": message_id, "reason": self._reason(exc)})
            raise
        tries = retrying.statistics.get("attempt_number", 1)
        if tries > 1:
            log.warning("outcome recorded once the processed store's database answered again",
                        extra={"consumer": self.consumer, "message_id": message_id, "tries": tries,
                               "waited_seconds": round(self._clock() - started, 1)})
        return recorded

    def _until_stopped(self, seconds: float) -> None:
        """The wait between two writes; the store's close ends it at once."""
        self._stopping.wait(seconds)
