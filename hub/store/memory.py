"""In-memory processed-message store (embedded mode, tests).

It remembers the last ``remember`` processed ids (oldest forgotten first), so a long-running embedded hub keeps a
flat memory: on ``memory://`` a copy of a message comes back within moments (a redelivery, a retry tier), never
after a hundred thousand later messages, and nothing survives a restart anyway. A request's recorded answer is
kept only for the last ``remember_replies`` ids (older records keep their outcome): a redelivered request is
answered again while its requester may still wait (the route's reply timeout, seconds), and a long run does not
hold a kilobyte per request it ever answered (bench/README.md, flows: the RSS run).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from hub.store.base import DEFAULT_LEASE_SECONDS, ClaimBusyError, ProcessedStore, Recorded

__all__ = ["MemoryProcessedStore"]


class MemoryProcessedStore(ProcessedStore):
    # its answer slots are for requests; on memory:// the ingress of the same process refuses a reused id anyway
    keeps_fingerprints = False
    renews_leases = True  # a claim in the same process outlives a slow effect (another thread would take it)

    def __init__(self, lease_seconds: float = DEFAULT_LEASE_SECONDS, *, remember: int = 100_000,
                 remember_replies: int = 1_000) -> None:
        super().__init__(lease_seconds)
        self._lock = threading.Lock()
        self._done: OrderedDict[str, Recorded] = OrderedDict()
        self._remember = remember
        self._remember_replies = remember_replies
        self._with_reply: OrderedDict[str, None] = OrderedDict()  # ids whose record holds an answer, oldest first
        self._leases: dict[str, float] = {}

    def outcome(self, message_id: str) -> str | None:
        with self._lock:
            found = self._done.get(message_id)
        return None if found is None else found.outcome

    def reply(self, message_id: str) -> bytes | None:
        with self._lock:
            found = self._done.get(message_id)
        return None if found is None else found.reply

    def recorded(self, message_id: str) -> Recorded | None:
        with self._lock:
            return self._done.get(message_id)

    def record(self, message_id: str, outcome: str = "done", *, reply: bytes | None = None) -> bool:
        with self._lock:
            if message_id in self._done:
                return False
            self._keep(message_id, Recorded(outcome, reply))
            self._leases.pop(message_id, None)
            return True

    def _acquire(self, message_id: str) -> Recorded | None:
        now = time.monotonic()
        with self._lock:
            if message_id in self._done:
                return self._done[message_id]
            if self._leases.get(message_id, 0.0) > now:
                raise ClaimBusyError(message_id)
            self._leases[message_id] = now + self.lease_seconds
            return None

    def _renew(self, message_ids: Sequence[str]) -> None:
        until = time.monotonic() + self.lease_seconds
        with self._lock:
            for message_id in message_ids:
                if message_id in self._leases:
                    self._leases[message_id] = until

    def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> None:
        with self._lock:
            self._leases.pop(message_id, None)
            if outcome is not None and message_id not in self._done:
                self._keep(message_id, Recorded(outcome, reply))

    def _keep(self, message_id: str, recorded: Recorded) -> None:  # under the lock
        self._done[message_id] = recorded
        if recorded.reply is not None:
            self._with_reply[message_id] = None
            while len(self._with_reply) > self._remember_replies:
                old, _ = self._with_reply.popitem(last=False)
                kept = self._done.get(old)
                if kept is not None:
                    self._done[old] = Recorded(kept.outcome)  # the outcome stays; its place in the order too
        while len(self._done) > self._remember:
            forgotten, _ = self._done.popitem(last=False)
            self._with_reply.pop(forgotten, None)

    def count(self) -> int:
        with self._lock:
            return len(self._done)
