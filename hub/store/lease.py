"""``LeaseKeeper``: renews the leases of a store's open claims while their effects run.

A claim's lease is short (``ProcessedStore.lease_seconds``, 30 s by default) so that the claims of a process that
died are free again soon; a live claim whose effect takes longer (a slow SOAP call and its in-process retries) keeps
its lease because this keeper renews it every ``interval`` seconds (a third of the lease) from one daemon thread per
store. The thread starts with an open claim and ends when a round finds none open (or at ``close()``), so a store
that is idle, or dropped without ``close()``, keeps no thread.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence

__all__ = ["LeaseKeeper"]

log = logging.getLogger("onepoint.store")


class LeaseKeeper:
    def __init__(self, renew: Callable[[Sequence[str]], None], interval: float) -> None:
        self._renew = renew
        self.interval = interval
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, message_id: str) -> None:
        with self._lock:
            self._open[message_id] += 1
            if self._thread is None and not self._stop.is_set() and self.interval > 0:
                self._thread = threading.Thread(target=self._run, name="claim-leases", daemon=True)
                self._thread.start()

    def release(self, message_id: str) -> None:
        with self._lock:
            self._open[message_id] -= 1
            if self._open[message_id] <= 0:
                del self._open[message_id]

    def held(self) -> list[str]:
        with self._lock:
            return list(self._open)

    def renew_now(self) -> None:
        ids = self.held()
        if ids:
            self._renew(ids)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                if not self._open:  # nothing to renew: the next hold() starts a new thread
                    self._thread = None
                    return
            try:
                self.renew_now()
            except Exception:  # the next round tries again; the lease is three rounds long
                log.warning("renewing the claims' leases failed", exc_info=True)

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
