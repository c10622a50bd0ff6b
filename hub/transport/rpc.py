"""Outstanding requests of a request/reply exchange, keyed by correlation id."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future

from hub.transport.errors import RequestTimeoutError, TransportClosedError
from hub.transport.message import Message
from hub.transport.scheduler import Scheduler, TimerHandle

__all__ = ["PendingReplies"]

log = logging.getLogger("onepoint.transport")


class PendingReplies:
    """Each request gets a Future; a reply resolves it, its deadline fails it with ``RequestTimeoutError``.

    A reply that comes after the deadline (or for an unknown correlation id) is dropped and logged: it can
    never resolve another request's Future.
    """

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[Future[Message], TimerHandle]] = {}
        self.late_replies = 0

    def register(self, correlation_id: str, timeout: float) -> Future[Message]:
        future: Future[Message] = Future()
        future.set_running_or_notify_cancel()
        timer = self._scheduler.call_later(timeout, lambda: self._expire(correlation_id, timeout))
        with self._lock:
            if correlation_id in self._pending:
                timer.cancel()
                raise ValueError(f"correlation id {correlation_id} already pending")
            self._pending[correlation_id] = (future, timer)
        return future

    def _expire(self, correlation_id: str, timeout: float) -> None:
        with self._lock:
            entry = self._pending.pop(correlation_id, None)
        if entry is not None and not entry[0].done():
            entry[0].set_exception(RequestTimeoutError(f"no reply to {correlation_id} within {timeout}s"))

    def fail(self, correlation_id: str, exc: BaseException) -> None:
        with self._lock:
            entry = self._pending.pop(correlation_id, None)
        if entry is not None:
            entry[1].cancel()
            if not entry[0].done():
                entry[0].set_exception(exc)

    def resolve(self, reply: Message) -> bool:
        """Hand a reply to its request. False (and the reply dropped) when nobody waits for it any more."""
        cid = reply.correlation_id
        with self._lock:
            entry = self._pending.pop(cid, None) if cid is not None else None
        if entry is None:
            self.late_replies += 1
            log.info("late or unknown reply dropped", extra={"correlation_id": cid})
            return False
        entry[1].cancel()
        if not entry[0].done():
            entry[0].set_result(reply)
        return True

    def close(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for future, timer in pending.values():
            timer.cancel()
            if not future.done():
                future.set_exception(TransportClosedError("broker closed before the reply arrived"))
